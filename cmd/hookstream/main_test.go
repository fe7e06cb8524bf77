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
