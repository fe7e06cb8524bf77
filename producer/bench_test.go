package producer

import (
	"context"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/sr"

	"github.com/hookstream/hookstream/platform/topic"
	"github.com/hookstream/hookstream/schemas"
)

// BenchmarkEncodeMetadata measures the CPU cost of one event on the emit
// path (fill, validate, Avro through the serde, record) without a broker, so
// it bounds what one producing goroutine can do.
func BenchmarkEncodeMetadata(b *testing.B) {
	cl, err := sr.NewClient(sr.URLs(startRegistry(b)))
	if err != nil {
		b.Fatal(err)
	}
	enc := &encoder{serde: schemas.NewSerde(cl, schemas.MustLoad()), names: topic.NewNames(testPrefix, nil),
		types: newCatalogue(nil), now: time.Now}
	if _, err := enc.serde.Register(context.Background(), schemas.Subject(enc.names.MetadataChanges), "MetadataChangeEvent"); err != nil {
		b.Fatal(err)
	}
	gen := NewSynthetic(1, fixedClock)
	events := make([]schemas.MetadataChangeEvent, 1024)
	for i := range events {
		events[i] = *gen.Metadata()
	}
	b.ReportAllocs()
	b.ResetTimer()
	var bytes, n int64
	for b.Loop() {
		ev := events[n%int64(len(events))]
		n++
		rec, err := enc.metadataRecord(&ev)
		if err != nil {
			b.Fatal(err)
		}
		bytes += int64(len(rec.Value))
	}
	b.ReportMetric(float64(bytes)/float64(n), "B/event")
}
