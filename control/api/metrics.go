package api

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/hookstream/hookstream/platform/config"
)

type metrics struct {
	requests    *prometheus.CounterVec
	historySize prometheus.Counter
}

// newMetrics registers the API's metrics, among them the platform settings
// as gauges, so a dashboard shows why nothing is sent or tested.
func newMetrics(reg prometheus.Registerer, settings config.Webhooks) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hookstream_api_requests_total", Help: "Control API requests by route and status code.",
		}, []string{"route", "code"}),
		historySize: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "hookstream_api_history_attempts_indexed_total", Help: "Attempts read into the history index.",
		}),
	}
	enabled := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "hookstream_api_webhooks_enabled", Help: "1 when webhooks are sent at all (--webhooks-enabled), 0 when the platform turned them off.",
	})
	testsEnabled := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "hookstream_api_webhook_tests_enabled", Help: "1 when test and validate may send sample payloads (--webhook-tests-enabled and --webhooks-enabled), 0 otherwise.",
	})
	enabled.Set(gaugeOf(settings.Enabled))
	testsEnabled.Set(gaugeOf(settings.Enabled && settings.TestsEnabled))
	reg.MustRegister(m.requests, m.historySize, enabled, testsEnabled)
	return m
}

func gaugeOf(on bool) float64 {
	if on {
		return 1
	}
	return 0
}
