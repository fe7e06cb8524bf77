package api

import "github.com/prometheus/client_golang/prometheus"

type metrics struct {
	requests    *prometheus.CounterVec
	historySize prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hookstream_api_requests_total", Help: "Control API requests by route and status code.",
		}, []string{"route", "code"}),
		historySize: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "hookstream_api_history_attempts_indexed_total", Help: "Attempts read into the history index.",
		}),
	}
	reg.MustRegister(m.requests, m.historySize)
	return m
}
