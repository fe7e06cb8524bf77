package route

import "github.com/prometheus/client_golang/prometheus"

type metrics struct {
	events       *prometheus.CounterVec
	matches      prometheus.Counter
	rejected     *prometheus.CounterVec
	latency      prometheus.Histogram
	lag          *prometheus.GaugeVec
	transactions *prometheus.CounterVec
	webhooks     prometheus.Gauge
	filterErrors *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "hookstream", Subsystem: "router", Name: "events_total",
			Help: "Events consumed, by topic and event type.",
		}, []string{"topic", "type"}),
		matches: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "hookstream", Subsystem: "router", Name: "matches_total",
			Help: "Delivery tasks produced: one per (event, webhook) match.",
		}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "hookstream", Subsystem: "router", Name: "rejected_total",
			Help: "Records that did not decode, sent to the rejected topic.",
		}, []string{"topic"}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: "hookstream", Subsystem: "router", Name: "routing_latency_seconds",
			Help:    "From the event's time to the commit of its tasks.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 16),
		}),
		lag: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: "hookstream", Subsystem: "router", Name: "consumer_lag",
			Help: "Records between the last routed offset and the high watermark.",
		}, []string{"topic", "partition"}),
		transactions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "hookstream", Subsystem: "router", Name: "transactions_total",
			Help: "Routing transactions, by result (committed, aborted).",
		}, []string{"result"}),
		webhooks: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "hookstream", Subsystem: "router", Name: "webhooks_indexed",
			Help: "Deliverable webhooks in the matching index.",
		}),
		filterErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "hookstream", Subsystem: "router", Name: "filter_errors_total",
			Help: "Filter expressions that failed, taken as no match, by reason (compile, evaluation, cost).",
		}, []string{"reason"}),
	}
	reg.MustRegister(m.events, m.matches, m.rejected, m.latency, m.lag, m.transactions, m.webhooks, m.filterErrors)
	return m
}
