package devstack

import (
	"context"
	"net/http"
	"testing"

	"github.com/hookstream/hookstream/platform/config"
)

// TestDevAllowsLoopbackOnly: dev saves webhooks on loopback, where its
// receivers run, and refuses private addresses at save time (nothing is
// dialled) unless --allow-private-endpoints; the deny-list applies in dev
// too, and metadata addresses stay refused whatever the flags.
func TestDevAllowsLoopbackOnly(t *testing.T) {
	tests := []struct {
		name  string
		flags func(*Config)
		urls  map[string]bool // URL → saved
	}{
		{"default", func(*Config) {}, map[string]bool{
			"http://127.0.0.1:9/hook":          true,
			"http://[::1]:9/hook":              true,
			"http://10.0.0.1/hook":             false,
			"http://[fd00::1]/hook":            false,
			"http://192.168.1.1/hook":          false,
			"http://[64:ff9b::a00:1]/hook":     false, // NAT64 of 10.0.0.1
			"http://169.254.169.254/latest/":   false,
			"http://[64:ff9b::a9fe:a9fe]/hook": false, // NAT64 of the metadata address
		}},
		{"--allow-private-endpoints --deny-cidrs 10.9.0.0/16", func(c *Config) {
			c.AllowPrivateEndpoints, c.DenyCIDRs = true, config.List{"10.9.0.0/16"}
		}, map[string]bool{
			"http://127.0.0.1:9/hook":        true,
			"http://10.0.0.1/hook":           true,
			"http://[fd00::1]/hook":          true,
			"http://10.9.0.1/hook":           false,
			"http://169.254.169.254/latest/": false,
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig(t.TempDir())
			tc.flags(&cfg)
			if err := cfg.Validate(); err != nil {
				t.Fatal(err)
			}
			s := start(t, cfg)
			defer s.Close()
			ctx := context.Background()
			for url, saved := range tc.urls {
				body := map[string]any{"name": "guard " + url, "url": url}
				if saved {
					if err := s.call(ctx, "POST", "/api/v1/webhooks", body, http.StatusCreated, nil); err != nil {
						t.Errorf("%s refused: %v", url, err)
					}
					continue
				}
				var refusal struct {
					Error struct{ Field, Message string }
				}
				if err := s.call(ctx, "POST", "/api/v1/webhooks", body, http.StatusBadRequest, &refusal); err != nil {
					t.Errorf("%s: %v", url, err)
				} else if refusal.Error.Field != "url" {
					t.Errorf("%s refused for field %q (%s), want url", url, refusal.Error.Field, refusal.Error.Message)
				}
			}
		})
	}
}
