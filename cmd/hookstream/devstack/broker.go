package devstack

import (
	"fmt"
	"net"
	"path/filepath"
	"strconv"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/hookstream/hookstream/platform/kafka/fakebroker"
)

// startBroker starts a single-node kfake cluster on addr that keeps its data
// under dir.
func startBroker(addr, dir string) (*kfake.Cluster, error) {
	host, portText, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("kafka address %q: %w", addr, err)
	}
	port, err := strconv.Atoi(portText)
	if err != nil {
		return nil, fmt.Errorf("kafka address %q: %w", addr, err)
	}
	// fakebroker adds a guard for kfake's group coordinator: without it a
	// group member that stalls in a rebalance can hang for a minute.
	c, err := fakebroker.Start(
		// kfake binds 127.0.0.1; honour the host of --kafka-addr.
		func(network, a string) (net.Listener, error) {
			_, p, _ := net.SplitHostPort(a)
			return net.Listen(network, net.JoinHostPort(host, p))
		}, nil,
		kfake.NumBrokers(1),
		kfake.Ports(port),
		kfake.DataDir(filepath.Join(dir, "kafka")),
		kfake.ClusterID("hookstream-dev"),
	)
	if err != nil {
		return nil, fmt.Errorf("start embedded broker on %s: %w", addr, err)
	}
	return c, nil
}
