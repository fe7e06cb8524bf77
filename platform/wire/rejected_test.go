package wire_test

import (
	"bytes"
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/hookstream/hookstream/platform/kafka"
	"github.com/hookstream/hookstream/platform/wire"
	"github.com/hookstream/hookstream/schemas"
	"github.com/hookstream/hookstream/schemas/registry"
)

func serde(t *testing.T) *schemas.Serde {
	t.Helper()
	ctx := context.Background()
	reg, err := registry.New(ctx, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(reg.Handler())
	t.Cleanup(srv.Close)
	cl, err := sr.NewClient(sr.URLs(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	s := schemas.NewSerde(cl, schemas.MustLoad())
	if _, err := s.Register(ctx, "rejected-value", "RejectedRecord"); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestRejectedRecordAlwaysFits(t *testing.T) {
	s := serde(t)
	now := time.Date(2026, 5, 12, 6, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name       string
		key, value []byte
		cut        bool
	}{
		{"small", []byte("entity-1"), []byte("not avro"), false},
		{"nil value", nil, nil, false},
		{"value at the broker's limit", []byte("entity-1"), bytes.Repeat([]byte{0xff}, 1_048_500), true},
		{"huge key", bytes.Repeat([]byte("k"), 600_000), bytes.Repeat([]byte("v"), 600_000), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := &kgo.Record{Topic: "hookstream.metadata-changes", Partition: 2, Offset: 41, Key: tc.key, Value: tc.value}
			out, err := wire.Rejected(s, "hookstream.rejected", "router", rec, "why \xff", now)
			if err != nil {
				t.Fatal(err)
			}
			if !kafka.Fits(out) {
				t.Fatalf("rejected record of %d bytes does not fit", kafka.RecordBytes(out))
			}
			var rr schemas.RejectedRecord
			if err := s.Decode(context.Background(), out.Value, &rr); err != nil {
				t.Fatal(err)
			}
			if rr.Topic != rec.Topic || rr.Partition != 2 || rr.Offset != 41 || rr.Component != "router" || !rr.RejectedAt.Equal(now) {
				t.Fatalf("origin lost: %+v", rr)
			}
			if rr.Reason != "why \uFFFD" {
				t.Fatalf("reason %q", rr.Reason)
			}
			if rr.Truncated != tc.cut || rr.KeySize != int64(len(tc.key)) || rr.ValueSize != int64(len(tc.value)) {
				t.Fatalf("truncated %v keySize %d valueSize %d, want %v %d %d", rr.Truncated, rr.KeySize, rr.ValueSize, tc.cut, len(tc.key), len(tc.value))
			}
			if !bytes.HasPrefix(tc.key, rr.Key) || !bytes.HasPrefix(tc.value, rr.Value) || !bytes.Equal(out.Key, rr.Key) {
				t.Fatal("the copies are not prefixes of the originals")
			}
			if !tc.cut && (len(rr.Key) != len(tc.key) || len(rr.Value) != len(tc.value)) {
				t.Fatal("a record that fits was cut")
			}
			if tc.cut && len(rr.Value) < kafka.MaxRecordBatchBytes/2 {
				t.Fatalf("only %d bytes of the value kept", len(rr.Value))
			}
		})
	}
}

func TestText(t *testing.T) {
	if got := wire.Text("ok"); got != "ok" {
		t.Fatalf("%q", got)
	}
	long := wire.Text(strings.Repeat("é", wire.MaxReasonBytes))
	if len(long) > wire.MaxReasonBytes || !utf8.ValidString(long) || !strings.HasSuffix(long, "…") {
		t.Fatalf("cut text: %d bytes, valid %v", len(long), utf8.ValidString(long))
	}
}
