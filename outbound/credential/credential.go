// Package credential opens what a webhook sends with: its signing secrets
// and its custom headers, sealed at rest in the subscriptions topic. The
// deliverer and the control API's test and validate both open them here, so
// a test request is signed and authenticated exactly as a delivery is.
package credential

import (
	"fmt"
	"time"

	"github.com/hookstream/hookstream/platform/secret"
	"github.com/hookstream/hookstream/schemas"
)

// Opened is a webhook's credentials in clear, for one request.
type Opened struct {
	// Secrets sign the request: the current secret, then the rotated-out
	// one while its grace period lasts. Empty ones are left out.
	Secrets []string
	// Headers are the custom headers as they are sent.
	Headers map[string]string
}

// Open opens sub's credentials as of now. An error names what did not open
// (never a value): the sealing key is wrong or the record damaged, which
// retrying cannot cure but an operator can.
func Open(sealer *secret.Sealer, sub *schemas.Subscription, now time.Time) (Opened, error) {
	var o Opened
	cur, err := sealer.Open(sub.EncryptedSecret)
	if err != nil {
		return o, fmt.Errorf("webhook secret: %w", err)
	}
	if cur != "" {
		o.Secrets = append(o.Secrets, cur)
	}
	if sub.PreviousSecretExpiresAt != nil && now.Before(*sub.PreviousSecretExpiresAt) {
		prev, err := sealer.Open(sub.PreviousEncryptedSecret)
		if err != nil {
			return o, fmt.Errorf("webhook previous secret: %w", err)
		}
		if prev != "" {
			o.Secrets = append(o.Secrets, prev)
		}
	}
	if o.Headers, err = sealer.OpenHeaders(sub.Headers, sub.SealedHeaders); err != nil {
		return o, fmt.Errorf("webhook %w", err)
	}
	return o, nil
}
