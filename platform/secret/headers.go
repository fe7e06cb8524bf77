package secret

import "fmt"

// OpenHeaders returns a webhook's custom headers as they are sent: the ones
// kept in clear and the sealed ones opened. A name in both takes the sealed
// value (it was written later, by an API that seals).
func (s *Sealer) OpenHeaders(clear map[string]string, sealed map[string][]byte) (map[string]string, error) {
	if len(sealed) == 0 {
		return clear, nil
	}
	out := make(map[string]string, len(clear)+len(sealed))
	for k, v := range clear {
		out[k] = v
	}
	for k, b := range sealed {
		v, err := s.Open(b)
		if err != nil {
			// The name, never the value: a header name is not a secret.
			return nil, fmt.Errorf("header %s: %w", k, err)
		}
		out[k] = v
	}
	return out, nil
}
