// Package provision creates hookstream's topics and registers their value
// schemas. Both steps are idempotent: every component runs them at start, so a
// fresh cluster needs no separate set-up step and an existing one is left as is.
package provision

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/hookstream/hookstream/platform/config"
	"github.com/hookstream/hookstream/platform/kafka"
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
	return waitForLeaders(ctx, adm, specs)
}

// waitForLeaders returns once every topic of specs has a leader for each
// partition. A broker answers CreateTopics before its metadata cache holds the
// new topic; a client that lists offsets in that window gets
// UNKNOWN_TOPIC_OR_PARTITION, so start-up waits it out here.
func waitForLeaders(ctx context.Context, adm *kadm.Client, specs []topic.Spec) error {
	names := make([]string, len(specs))
	for i, s := range specs {
		names[i] = s.Name
	}
	for {
		missing, err := leaderless(ctx, adm, names)
		if err == nil && missing == "" {
			return nil
		}
		select {
		case <-ctx.Done():
			if err == nil {
				err = fmt.Errorf("topic %s has no leader yet", missing)
			}
			return fmt.Errorf("wait for topics: %w (%w)", ctx.Err(), err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// leaderless names one topic of names that is unknown or has a partition
// without a leader, or returns "" when there is none.
func leaderless(ctx context.Context, adm *kadm.Client, names []string) (string, error) {
	details, err := adm.ListTopics(ctx, names...)
	if err != nil {
		return "", err
	}
	for _, name := range names {
		td, ok := details[name]
		if !ok || td.Err != nil || len(td.Partitions) == 0 {
			return name, nil
		}
		for _, p := range td.Partitions {
			if p.Err != nil || p.Leader < 0 {
				return name, nil
			}
		}
	}
	return "", nil
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

// Setup is what every component does at start: create the topics of names
// (partitions for the event, deliveries and tier topics) through client and
// register every value schema with conn's registry. It returns the serde to
// encode and decode with.
func Setup(ctx context.Context, client *kgo.Client, names topic.Names, partitions int32, conn config.Connection) (*schemas.Serde, error) {
	specs := names.Specs(partitions)
	if err := Topics(ctx, kadm.NewClient(client), specs, -1); err != nil {
		return nil, err
	}
	registry, err := kafka.Registry(conn)
	if err != nil {
		return nil, err
	}
	serde := schemas.NewSerde(registry, schemas.MustLoad())
	if err := Schemas(ctx, serde, specs); err != nil {
		return nil, err
	}
	return serde, nil
}

// Retention sets the retention.ms of an existing topic to d when it
// differs, and reports whether it changed it. Topics creates a topic with
// its spec's retention; this keeps a topic another component created first,
// or an older setting, in step with the component that owns the retention.
func Retention(ctx context.Context, adm *kadm.Client, name string, d time.Duration) (bool, error) {
	return setRetention(ctx, adm, name, d, func(have int64) bool { return have == d.Milliseconds() })
}

// RetentionAtLeast raises the retention.ms of an existing topic to d when
// it is shorter (unlimited, -1, is not), and reports whether it changed it:
// for a topic whose records another one points at for as long as d.
func RetentionAtLeast(ctx context.Context, adm *kadm.Client, name string, d time.Duration) (bool, error) {
	return setRetention(ctx, adm, name, d, func(have int64) bool { return have < 0 || have >= d.Milliseconds() })
}

// setRetention sets retention.ms to d unless ok accepts the topic's
// current value (the broker's default when the topic sets none).
func setRetention(ctx context.Context, adm *kadm.Client, name string, d time.Duration, ok func(have int64) bool) (bool, error) {
	described, err := adm.DescribeTopicConfigs(ctx, name)
	if err != nil {
		return false, fmt.Errorf("describe topic %s: %w", name, err)
	}
	rc, err := described.On(name, nil)
	if err == nil {
		err = rc.Err
	}
	if err != nil {
		return false, fmt.Errorf("describe topic %s: %w", name, err)
	}
	for _, c := range rc.Configs {
		if c.Key != "retention.ms" || c.Value == nil {
			continue
		}
		if have, err := strconv.ParseInt(*c.Value, 10, 64); err == nil && ok(have) {
			return false, nil
		}
	}
	want := strconv.FormatInt(d.Milliseconds(), 10)
	resp, err := adm.AlterTopicConfigs(ctx, []kadm.AlterConfig{{Op: kadm.SetConfig, Name: "retention.ms", Value: kadm.StringPtr(want)}}, name)
	if err == nil {
		_, err = resp.On(name, nil)
	}
	if err == nil {
		for _, r := range resp {
			err = errors.Join(err, r.Err)
		}
	}
	if err != nil {
		return false, fmt.Errorf("set retention.ms of %s: %w", name, err)
	}
	return true, nil
}
