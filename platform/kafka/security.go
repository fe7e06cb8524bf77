package kafka

import (
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/hookstream/hookstream/platform/config"
)

// security turns SASL and TLS settings into client options.
func security(s config.Security) ([]kgo.Opt, error) {
	var opts []kgo.Opt
	tlsCfg, err := s.KafkaTLS.Config()
	if err != nil {
		return nil, fmt.Errorf("kafka TLS: %w", err)
	}
	if tlsCfg != nil {
		opts = append(opts, kgo.DialTLSConfig(tlsCfg))
	}
	user, pass := s.KafkaSASL.Username, s.KafkaSASL.Password
	switch strings.ToUpper(s.KafkaSASL.Mechanism) {
	case "":
	case config.SASLPlain:
		opts = append(opts, kgo.SASL(plain.Auth{User: user, Pass: pass}.AsMechanism()))
	case config.SASLScramSHA256:
		opts = append(opts, kgo.SASL(scram.Auth{User: user, Pass: pass}.AsSha256Mechanism()))
	case config.SASLScramSHA512:
		opts = append(opts, kgo.SASL(scram.Auth{User: user, Pass: pass}.AsSha512Mechanism()))
	default:
		return nil, fmt.Errorf("kafka SASL: unknown mechanism %q", s.KafkaSASL.Mechanism)
	}
	return opts, nil
}

// Registry is a Schema Registry client for conn, with its basic
// credentials and TLS files.
func Registry(conn config.Connection) (*sr.Client, error) {
	transport := &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second}).DialContext,
		TLSHandshakeTimeout: 10 * time.Second,
		MaxIdleConnsPerHost: 4,
	}
	tlsCfg, err := conn.Security.RegistryTLS.Config()
	if err != nil {
		return nil, fmt.Errorf("registry TLS: %w", err)
	}
	transport.TLSClientConfig = tlsCfg
	opts := []sr.ClientOpt{
		sr.URLs(conn.Registry),
		sr.HTTPClient(&http.Client{Timeout: 30 * time.Second, Transport: transport}),
	}
	if conn.Security.RegistryUsername != "" {
		opts = append(opts, sr.BasicAuth(conn.Security.RegistryUsername, conn.Security.RegistryPassword))
	}
	client, err := sr.NewClient(opts...)
	if err != nil {
		return nil, fmt.Errorf("registry client %s: %w", conn.Registry, err)
	}
	return client, nil
}
