// Package provision creates hookstream's topics and registers their value
// schemas. Both steps are idempotent: every component runs them at start, so a
// fresh cluster needs no separate set-up step and an existing one is left as is.
package provision

import (
	"context"
	"errors"
	"fmt"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/hookstream/hookstream/platform/topic"
	"github.com/hookstream/hookstream/schemas"
)

// Topics creates every topic of specs that does not exist yet, with its
// partitions and configs. Replication -1 takes the broker's default.
func Topics(ctx context.Context, adm *kadm.Client, specs []topic.Spec, replication int16) error {
	for _, s := range specs {
		configs := map[string]*string{}
		for k, v := range s.Configs {
			configs[k] = kadm.StringPtr(v)
		}
		resp, err := adm.CreateTopic(ctx, s.Partitions, replication, configs, s.Name)
		if err == nil {
			err = resp.Err
		}
		if err != nil && !errors.Is(err, kerr.TopicAlreadyExists) {
			return fmt.Errorf("create topic %s: %w", s.Name, err)
		}
	}
	return nil
}

// Schemas registers the value schema of every spec that has one, under
// "<topic>-value", and leaves serde ready to encode them.
func Schemas(ctx context.Context, serde *schemas.Serde, specs []topic.Spec) error {
	for _, s := range specs {
		if s.Record == "" {
			continue
		}
		if _, err := serde.Register(ctx, schemas.Subject(s.Name), s.Record); err != nil {
			return err
		}
	}
	return nil
}
