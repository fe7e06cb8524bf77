package subscription

import (
	"testing"

	"github.com/hookstream/hookstream/schemas"
)

func TestStateAndDeliverable(t *testing.T) {
	for _, tc := range []struct {
		enabled     bool
		health      string
		state       string
		deliverable bool
	}{
		{true, "", StatusActive, true},
		{false, "", StatusDisabled, false},
		{false, StatusAwaitingRetry, StatusDisabled, false},
		{true, StatusAwaitingRetry, StatusAwaitingRetry, true},
		{true, StatusRetryLimitReached, StatusRetryLimitReached, true},
		{true, StatusFailed, StatusFailed, false},
		{true, StatusDisabled, StatusDisabled, false},
	} {
		w := Webhook{Subscription: schemas.Subscription{Enabled: tc.enabled}, Health: schemas.SubscriptionStatus{Status: tc.health}}
		if w.State() != tc.state || w.Deliverable() != tc.deliverable {
			t.Errorf("enabled=%v health=%q: state %q deliverable %v", tc.enabled, tc.health, w.State(), w.Deliverable())
		}
	}
}

func TestTableChangesAndTombstones(t *testing.T) {
	tab := NewTable()
	tab.PutSubscription(schemas.Subscription{ID: "b", Enabled: true})
	if tab.Version() != 1 {
		t.Fatalf("version %d after one put", tab.Version())
	}
	tab.PutSubscription(schemas.Subscription{ID: "a", Enabled: true})
	tab.PutStatus(schemas.SubscriptionStatus{WebhookID: "a", Status: StatusFailed})
	all, v := tab.All()
	if len(all) != 2 || all[0].ID != "a" || all[0].State() != StatusFailed || v != 3 {
		t.Fatalf("all %+v version %d", all, v)
	}
	tab.DeleteSubscription("a")
	if _, ok := tab.Get("a"); ok {
		t.Fatal("tombstoned webhook still there")
	}
	if w, ok := tab.Get("b"); !ok || w.State() != StatusActive {
		t.Fatalf("b: %+v %v", w, ok)
	}
}
