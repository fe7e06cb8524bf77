package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
)

func TestBadCommandLinesAreUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{nil, nil, "usage: hookstream"},
		{[]string{"nope"}, nil, `unknown command "nope"`},
		{[]string{"router", "--registry", "ftp://x"}, nil, "--registry"},
		{[]string{"router"}, map[string]string{"HOOKSTREAM_RETRY_TIERS": "soon"}, "HOOKSTREAM_RETRY_TIERS"},
		{[]string{"dev", "--api-addr", "nocolon"}, nil, "--api-addr"},
		{[]string{"dev", "--deny-cidrs", "10.0.0.0/33"}, nil, "--deny-cidrs"},
		{[]string{"dev", "--allow-loopback-endpoints"}, nil, "allow-loopback-endpoints"},
		{[]string{"deliverer"}, nil, "--secret-key"},
		{[]string{"router", "--kafka-sasl-mechanism", "GSSAPI"}, nil, "--kafka-sasl-mechanism"},
		{[]string{"router", "--retry-tiers", "1s,2s,1s"}, nil, "--retry-tiers"},
		{[]string{"router", "--kafka-sasl-mechanism", "PLAIN"}, nil, "--kafka-sasl-username"},
		{[]string{"provision", "--kafka-tls-ca", "/nonexistent/ca.pem"}, nil, "--kafka-tls"},
		{[]string{"provision", "--registry-tls-cert", "/nonexistent/c.pem"}, nil, "--registry-tls"},
		{[]string{"produce", "--registry-password", "x"}, nil, "--registry-username"},
		{[]string{"api"}, map[string]string{"HOOKSTREAM_KAFKA_SASL_PASSWORD": "p"}, "--kafka-sasl-mechanism"},
		{[]string{"deliverer", "--secret-key", "short"}, nil, "--secret-key"},
		{[]string{"deliverer"}, map[string]string{"HOOKSTREAM_SECRET_KEY": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=", "HOOKSTREAM_MAX_IN_FLIGHT": "0"}, "--max-in-flight"},
		{[]string{"deliverer", "--secret-key", "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=", "--deny-cidrs", "10.0.0.0/33"}, nil, "--deny-cidrs"},
		{[]string{"deliverer", "--secret-key", "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=", "--allowed-urls", "https://(unclosed"}, nil, "--allowed-urls"},
	} {
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), tc.args, strings.NewReader(""), &stdout, &stderr, func(k string) string { return tc.env[k] })
		if !errors.Is(err, errUsage) {
			t.Errorf("%v: got %v, want a usage error", tc.args, err)
		}
		if got := stderr.String() + err.Error(); !strings.Contains(got, tc.want) {
			t.Errorf("%v: output %q does not name %q", tc.args, got, tc.want)
		}
	}
}
