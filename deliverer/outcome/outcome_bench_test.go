package outcome

import (
	"testing"
	"time"
)

// BenchmarkClassify is the verdict on every attempt's answer; most are a
// 2xx without an error.
func BenchmarkClassify(b *testing.B) {
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		if r := Classify(204, nil, "", now); r.Kind != Success {
			b.Fatal(r)
		}
	}
}
