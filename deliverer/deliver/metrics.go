package deliver

import "github.com/prometheus/client_golang/prometheus"

// Outcomes of a task, the label of hookstream_deliveries_total.
const (
	outcomeSuccess      = "success"
	outcomeRetry        = "retry"
	outcomeDeadLettered = "deadLettered"
	outcomeDisabled     = "disabled"
	outcomeDropped      = "dropped"
	outcomeDeferred     = "deferred"
	outcomeParked       = "parked"
	outcomeRejected     = "rejected"
)

type metrics struct {
	deliveries   *prometheus.CounterVec
	duration     prometheus.Histogram
	attempts     *prometheus.CounterVec
	deadLetters  prometheus.Counter
	inFlight     prometheus.Gauge
	paused       prometheus.Gauge
	parked       prometheus.Gauge
	openCircuits prometheus.Gauge
	pending      prometheus.Gauge
	lag          *prometheus.GaugeVec
	statuses     *prometheus.CounterVec
}

// newMetrics registers the deliverer's metrics; enabled is
// --webhooks-enabled, exported so a dashboard shows why nothing is sent.
func newMetrics(reg prometheus.Registerer, enabled bool) *metrics {
	m := &metrics{
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "hookstream", Name: "deliveries_total",
			Help: "Delivery tasks finished, by outcome: success, retry, deadLettered, disabled, dropped, deferred (a retry-tier task of a full endpoint written to its tier again), parked (left in the log for a parked webhook, read again when it has room), rejected.",
		}, []string{"outcome"}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: "hookstream", Name: "delivery_duration_seconds",
			Help:    "HTTP attempt latency, request written to response body read.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16),
		}),
		attempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "hookstream", Name: "delivery_attempts_total",
			Help: "Delivery attempts, by the topic the task came from (deliveries or retry.<delay>).",
		}, []string{"tier"}),
		deadLetters: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "hookstream", Name: "dead_letters_total",
			Help: "Tasks written to the dead-letter topic.",
		}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "hookstream", Name: "deliveries_in_flight",
			Help: "HTTP requests in flight.",
		}),
		paused: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "hookstream", Name: "paused_partitions",
			Help: "Retry-tier partitions paused until their next task is due.",
		}),
		parked: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "hookstream", Subsystem: "deliverer", Name: "parked_lanes",
			Help: "Webhooks (per partition) parked: failing or slower than their inflow, their tasks wait in Kafka until they have room.",
		}),
		openCircuits: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "hookstream", Name: "open_circuits",
			Help: "Endpoints whose circuit is open: not called, their tasks moved to the next tier.",
		}),
		pending: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "hookstream", Subsystem: "deliverer", Name: "pending_records",
			Help: "Records fetched and not yet finished.",
		}),
		lag: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: "hookstream", Subsystem: "deliverer", Name: "consumer_lag",
			Help: "Records between the last fetched offset and the high watermark.",
		}, []string{"topic", "partition"}),
		statuses: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "hookstream", Subsystem: "deliverer", Name: "status_changes_total",
			Help: "Webhook status records written, by status (failed and disabled turn a webhook off).",
		}, []string{"status"}),
	}
	sending := prometheus.NewGauge(prometheus.GaugeOpts{
		Namespace: "hookstream", Subsystem: "deliverer", Name: "webhooks_enabled",
		Help: "1 when this deliverer sends webhooks, 0 when --webhooks-enabled=false keeps every task waiting in Kafka.",
	})
	if enabled {
		sending.Set(1)
	}
	reg.MustRegister(m.deliveries, m.duration, m.attempts, m.deadLetters, m.inFlight, m.paused, m.parked, m.openCircuits, m.pending, m.lag, m.statuses, sending)
	return m
}
