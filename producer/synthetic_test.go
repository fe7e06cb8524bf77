package producer

import (
	"reflect"
	"testing"
	"time"

	"github.com/hookstream/hookstream/schemas"
)

func fixedClock() time.Time { return testNow }

func TestSyntheticIsReproducibleAndValid(t *testing.T) {
	a, b, other := NewSynthetic(7, fixedClock), NewSynthetic(7, fixedClock), NewSynthetic(8, fixedClock)
	cat := newCatalogue(nil)
	types, entityTypes := map[string]int{}, map[string]int{}
	var withOwner, withTags, withDomain, withChange int
	differs := false
	const n = 2000
	for i := range n {
		ea, eb, eo := a.Metadata(), b.Metadata(), other.Metadata()
		if !reflect.DeepEqual(ea, eb) {
			t.Fatalf("event %d differs for one seed:\n%+v\n%+v", i, ea, eb)
		}
		differs = differs || ea.EventID != eo.EventID
		if err := cat.prepareMetadata(ea, testNow); err != nil {
			t.Fatalf("event %d invalid: %v\n%+v", i, err, ea)
		}
		types[ea.EventType]++
		entityTypes[ea.Entity.Type]++
		if ea.Entity.Owner != nil {
			withOwner++
		}
		if len(ea.Entity.Tags) > 0 {
			withTags++
		}
		if ea.Entity.Domain != "" {
			withDomain++
		}
		if ea.EventType == "entityUpdated" {
			if cd := ea.ChangeDescription; cd == nil || len(cd.FieldsAdded)+len(cd.FieldsUpdated)+len(cd.FieldsDeleted) == 0 {
				t.Fatalf("entityUpdated %d without a change description", i)
			}
			withChange++
		}
	}
	if !differs {
		t.Error("seeds 7 and 8 gave the same events")
	}
	for _, typ := range synthIntro {
		if types[typ] == 0 {
			t.Errorf("no %s event in %d", typ, n)
		}
	}
	for _, typ := range synthEntityTypes {
		if entityTypes[typ] == 0 {
			t.Errorf("no %s entity in %d", typ, n)
		}
	}
	if withOwner == 0 || withTags == 0 || withDomain != n || withChange == 0 {
		t.Errorf("mix: %d with owner, %d with tags, %d with domain, %d updates", withOwner, withTags, withDomain, withChange)
	}
	t.Logf("event types %v, entity types %v", types, entityTypes)
}

func TestSyntheticCoversEveryTypeInAShortRun(t *testing.T) {
	s := NewSynthetic(1, fixedClock)
	seen := map[string]bool{}
	for range len(synthIntro) {
		seen[s.Metadata().EventType] = true
	}
	if len(seen) != len(synthIntro) {
		t.Fatalf("first %d events cover %v", len(synthIntro), seen)
	}
}

func TestSyntheticWorkflowsSucceedAndFail(t *testing.T) {
	a, b := NewSynthetic(3, fixedClock), NewSynthetic(3, fixedClock)
	status := map[string]int{}
	firstRuns := 0
	for i := range 500 {
		ea, eb := a.Workflow(), b.Workflow()
		if !reflect.DeepEqual(ea, eb) {
			t.Fatalf("run %d differs for one seed", i)
		}
		if err := prepareWorkflow(ea); err != nil {
			t.Fatalf("run %d invalid: %v\n%+v", i, err, ea)
		}
		status[ea.Status]++
		if ea.IsFirstRun {
			firstRuns++
		}
		checkAtlanFields(t, ea)
	}
	if status[StatusSucceeded] == 0 || status[StatusFailed] == 0 || firstRuns == 0 {
		t.Fatalf("statuses %v, %d first runs", status, firstRuns)
	}
}

// checkAtlanFields: the fields Atlan consumers read are set as Atlan sets them.
func checkAtlanFields(t *testing.T, ev *schemas.WorkflowCompletionEvent) {
	t.Helper()
	if ev.Domain == "" || ev.PackageName == "" || ev.WorkflowTemplate == "" || ev.RunTime <= 0 || len(ev.LastThreeRuns) > 3 {
		t.Fatalf("run lacks fields: %+v", ev)
	}
	if ev.IsSchedule != (ev.CronString != "") || ev.IsSchedule != (ev.NextRunInMinutes > 0) {
		t.Fatalf("schedule fields disagree: %+v", ev)
	}
	if failed := ev.Status == StatusFailed; failed != (len(ev.FailedSteps) > 0) || failed != (len(ev.PotentialIssues) > 0) ||
		failed != (ev.RecurringFailuresInDays > 0) {
		t.Fatalf("failure fields disagree with status: %+v", ev)
	}
}
