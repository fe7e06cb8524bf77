// Package route is the router's run loop: it consumes both event topics in
// the hookstream-router group, matches each event against the live
// subscription table, and produces one DeliveryTask per match, consuming and
// producing in one Kafka transaction so that a crash neither loses nor
// duplicates a task.
package route

import (
	"flag"
	"fmt"
	"os"

	"github.com/hookstream/hookstream/platform/config"
)

// Config is the router's command line.
type Config struct {
	config.Common
	// Group is the consumer group; routers in one group split the partitions.
	Group string
	// TransactionalID must be unique per running router and stable across its
	// restarts, so a restarted router fences its crashed predecessor at once
	// instead of waiting for its transaction to time out.
	TransactionalID string
}

// Register adds the router's flags to fs.
func (c *Config) Register(fs *flag.FlagSet) {
	c.Common.Register(fs, "127.0.0.1:9465")
	host, _ := os.Hostname()
	fs.StringVar(&c.Group, "group", "hookstream-router", "consumer group of the routers")
	fs.StringVar(&c.TransactionalID, "transactional-id", "hookstream-router-"+host, "Kafka transactional id, unique per router and stable across its restarts")
}

// Validate names the flag that is wrong.
func (c *Config) Validate() error {
	if err := c.Common.Validate(); err != nil {
		return err
	}
	if c.Group == "" {
		return fmt.Errorf("--group: must not be empty")
	}
	if c.TransactionalID == "" {
		return fmt.Errorf("--transactional-id: must not be empty")
	}
	return nil
}
