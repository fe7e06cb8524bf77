package config

import (
	"crypto/tls"
	"crypto/x509"
	"flag"
	"fmt"
	"os"
	"strings"
)

// Connection is everything a client needs to reach Kafka and the Schema
// Registry; kafka.Options and kafka.Registry turn it into client options.
type Connection struct {
	Brokers  []string
	Registry string
	ClientID string
	Security Security
}

// Security is how a process proves itself to the brokers and the registry,
// and how it checks them back. The zero value is plaintext without
// authentication, what a local cluster speaks.
type Security struct {
	// KafkaSASL authenticates to the brokers.
	KafkaSASL SASL
	// KafkaTLS encrypts the broker connections.
	KafkaTLS TLS
	// RegistryUsername and RegistryPassword are HTTP basic credentials for
	// the registry (Confluent Cloud's API key and secret).
	RegistryUsername string
	RegistryPassword string
	// RegistryTLS adds a CA or a client certificate to an https registry.
	RegistryTLS TLS
}

// SASL mechanisms hookstream speaks.
const (
	SASLPlain       = "PLAIN"
	SASLScramSHA256 = "SCRAM-SHA-256"
	SASLScramSHA512 = "SCRAM-SHA-512"
)

// SASL is a mechanism and its credentials; an empty Mechanism turns it off.
type SASL struct {
	Mechanism string
	Username  string
	Password  string
}

// TLS names the files of a TLS client configuration.
type TLS struct {
	// Enabled turns TLS on with the system's roots; a CA or a certificate
	// file turns it on too.
	Enabled bool
	// CAFile is a PEM bundle the server's certificate must chain to,
	// instead of the system's roots.
	CAFile string
	// CertFile and KeyFile are a PEM client certificate and key, for
	// clusters that authenticate clients by mutual TLS.
	CertFile string
	KeyFile  string
	// ServerName overrides the name checked in the server's certificate.
	ServerName string
}

// Register adds the security flags to fs. Passwords come best from their
// environment twins, which stay out of the process list.
func (s *Security) Register(fs *flag.FlagSet) {
	fs.StringVar(&s.KafkaSASL.Mechanism, "kafka-sasl-mechanism", "", "SASL mechanism for the brokers: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 (empty: none)")
	fs.StringVar(&s.KafkaSASL.Username, "kafka-sasl-username", "", "SASL user for the brokers")
	fs.StringVar(&s.KafkaSASL.Password, "kafka-sasl-password", "", "SASL password for the brokers (prefer HOOKSTREAM_KAFKA_SASL_PASSWORD)")
	s.KafkaTLS.register(fs, "kafka", "the brokers")
	fs.StringVar(&s.RegistryUsername, "registry-username", "", "HTTP basic user for the Schema Registry")
	fs.StringVar(&s.RegistryPassword, "registry-password", "", "HTTP basic password for the Schema Registry (prefer HOOKSTREAM_REGISTRY_PASSWORD)")
	s.RegistryTLS.register(fs, "registry", "the Schema Registry")
}

func (t *TLS) register(fs *flag.FlagSet, prefix, what string) {
	if prefix == "kafka" {
		fs.BoolVar(&t.Enabled, "kafka-tls", false, "connect to the brokers over TLS (implied by the other --kafka-tls-* flags)")
	}
	fs.StringVar(&t.CAFile, prefix+"-tls-ca", "", "PEM file of the CA that signs the certificates of "+what+" (default: system roots)")
	fs.StringVar(&t.CertFile, prefix+"-tls-cert", "", "PEM client certificate for "+what+" (mutual TLS)")
	fs.StringVar(&t.KeyFile, prefix+"-tls-key", "", "PEM key of --"+prefix+"-tls-cert")
	fs.StringVar(&t.ServerName, prefix+"-tls-server-name", "", "name to check in the certificates of "+what+" (default: the host dialed)")
}

// Validate names the flag that is wrong; it reads the TLS files so a wrong
// path fails at start, not at the first connection.
func (s Security) Validate() error {
	switch strings.ToUpper(s.KafkaSASL.Mechanism) {
	case "":
		if s.KafkaSASL.Username != "" || s.KafkaSASL.Password != "" {
			return fmt.Errorf("--kafka-sasl-mechanism: needed with --kafka-sasl-username/--kafka-sasl-password")
		}
	case SASLPlain, SASLScramSHA256, SASLScramSHA512:
		if s.KafkaSASL.Username == "" {
			return fmt.Errorf("--kafka-sasl-username: needed with --kafka-sasl-mechanism %s", s.KafkaSASL.Mechanism)
		}
	default:
		return fmt.Errorf("--kafka-sasl-mechanism: %q is not PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512", s.KafkaSASL.Mechanism)
	}
	if s.RegistryPassword != "" && s.RegistryUsername == "" {
		return fmt.Errorf("--registry-username: needed with --registry-password")
	}
	if _, err := s.KafkaTLS.Config(); err != nil {
		return fmt.Errorf("--kafka-tls-*: %w", err)
	}
	if _, err := s.RegistryTLS.Config(); err != nil {
		return fmt.Errorf("--registry-tls-*: %w", err)
	}
	return nil
}

// On reports whether TLS is asked for.
func (t TLS) On() bool {
	return t.Enabled || t.CAFile != "" || t.CertFile != "" || t.KeyFile != "" || t.ServerName != ""
}

// Config builds the client configuration, nil when TLS is off.
func (t TLS) Config() (*tls.Config, error) {
	if !t.On() {
		return nil, nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: t.ServerName}
	if t.CAFile != "" {
		pem, err := os.ReadFile(t.CAFile)
		if err != nil {
			return nil, fmt.Errorf("CA file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("CA file %s: no PEM certificate in it", t.CAFile)
		}
		cfg.RootCAs = pool
	}
	if (t.CertFile == "") != (t.KeyFile == "") {
		return nil, fmt.Errorf("a client certificate needs both its cert and its key file")
	}
	if t.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("client certificate: %w", err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
}
