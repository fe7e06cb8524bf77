package credential

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hookstream/hookstream/platform/secret"
	"github.com/hookstream/hookstream/schemas"
)

func sealer(t *testing.T) *secret.Sealer {
	t.Helper()
	s, err := secret.NewSealer([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func seal(t *testing.T, s *secret.Sealer, v string) []byte {
	t.Helper()
	b, err := s.Seal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestOpen(t *testing.T) {
	s := sealer(t)
	now := time.Now()
	later, earlier := now.Add(time.Hour), now.Add(-time.Hour)
	base := schemas.Subscription{
		EncryptedSecret: seal(t, s, "whsec_cur"), PreviousEncryptedSecret: seal(t, s, "whsec_prev"),
		Headers: map[string]string{"Accept": "application/json"}, SealedHeaders: map[string][]byte{"Authorization": seal(t, s, "Bearer t")},
	}
	for _, c := range []struct {
		name    string
		expires *time.Time
		want    []string
	}{
		{"no rotation", nil, []string{"whsec_cur"}},
		{"in the grace period", &later, []string{"whsec_cur", "whsec_prev"}},
		{"after the grace period", &earlier, []string{"whsec_cur"}},
	} {
		sub := base
		sub.PreviousSecretExpiresAt = c.expires
		o, err := Open(s, &sub, now)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if !slices.Equal(o.Secrets, c.want) {
			t.Errorf("%s: secrets %v, want %v", c.name, o.Secrets, c.want)
		}
		if o.Headers["Authorization"] != "Bearer t" || o.Headers["Accept"] != "application/json" {
			t.Errorf("%s: headers %v", c.name, o.Headers)
		}
	}
}

func TestOpenLeavesOutAnEmptySecretAndNamesWhatDidNotOpen(t *testing.T) {
	s := sealer(t)
	later := time.Now().Add(time.Hour)
	sub := schemas.Subscription{EncryptedSecret: seal(t, s, ""), PreviousEncryptedSecret: seal(t, s, "whsec_prev"), PreviousSecretExpiresAt: &later}
	o, err := Open(s, &sub, time.Now())
	if err != nil || !slices.Equal(o.Secrets, []string{"whsec_prev"}) {
		t.Fatalf("secrets %v, err %v: want only the previous one", o.Secrets, err)
	}
	other, err := secret.NewSealer([]byte("fedcba9876543210fedcba9876543210"))
	if err != nil {
		t.Fatal(err)
	}
	for name, sub := range map[string]schemas.Subscription{
		"webhook secret":          {EncryptedSecret: seal(t, other, "whsec_cur")},
		"webhook previous secret": {EncryptedSecret: seal(t, s, "whsec_cur"), PreviousEncryptedSecret: seal(t, other, "x"), PreviousSecretExpiresAt: &later},
		"webhook header X-Key":    {EncryptedSecret: seal(t, s, "whsec_cur"), SealedHeaders: map[string][]byte{"X-Key": seal(t, other, "v")}},
	} {
		_, err := Open(s, &sub, time.Now())
		if err == nil || !strings.HasPrefix(err.Error(), name) {
			t.Errorf("want an error naming %q, got %v", name, err)
		}
	}
}
