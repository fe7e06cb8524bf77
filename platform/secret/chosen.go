package secret

import "fmt"

// Limits of a secret a client chooses instead of a generated one.
const (
	// MinKeyBytes is the shortest key accepted: the Standard Webhooks
	// specification asks for secrets of 24 to 64 bytes.
	MinKeyBytes = 24
	// MinDistinctBytes refuses keys of one or a few repeated characters,
	// which are long but guessable.
	MinDistinctBytes = 8
)

// CheckChosen reports what makes a chosen secret too weak to sign with: its
// key (KeyBytes: the decoded base64 of a whsec_ secret, else the text) must
// be at least MinKeyBytes long and hold at least MinDistinctBytes different
// byte values. A generated secret always passes.
func CheckChosen(s string) error {
	key := KeyBytes(s)
	if len(key) < MinKeyBytes {
		return fmt.Errorf("is too short: its key has %d bytes, at least %d are required (whsec_ and the base64 of %d or more random bytes, or %d or more characters)",
			len(key), MinKeyBytes, MinKeyBytes, MinKeyBytes)
	}
	var seen [256]bool
	distinct := 0
	for _, b := range key {
		if !seen[b] {
			seen[b] = true
			distinct++
		}
	}
	if distinct < MinDistinctBytes {
		return fmt.Errorf("is too repetitive: its key has %d different characters, at least %d are required; use random bytes", distinct, MinDistinctBytes)
	}
	return nil
}
