package producer

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/hookstream/hookstream/schemas"
)

// Synthetic generates realistic events for load tests and demos: entities of
// every type hookstream's examples filter on (Atlan's asset types), every
// event type of the catalogue, domains, tags, owners and change descriptions
// that follow the entity's state, and workflow runs that succeed and fail
// with every field of Atlan's payload. The mix matters because the router's
// matching cost depends on it: uniform or empty events would make a load test
// measure the wrong thing.
//
// One seed gives one sequence of events (ids included), so a run that showed a
// problem can be repeated; only timestamps come from the clock. A Synthetic is
// not safe for concurrent use.
type Synthetic struct {
	rng   *rand.Rand
	ids   *rand.ChaCha8
	clock func() time.Time

	n         int // metadata events generated
	entities  []*synthEntity
	workflows []*synthWorkflow
}

// synthEntity is an entity's current state in the generator's catalog.
type synthEntity struct {
	schemas.Entity
}

type synthWorkflow struct {
	id, name, pkg, template, cron string
	scheduled                     bool
	nextRunMinutes                int64
	history                       []string // "Succeeded"/"Failed", newest last
	everSucceeded                 bool
	failStreak                    int64
}

// Pools the generator draws from; the names are the ones the seeds' webhook
// examples filter on, so synthetic load exercises real filters.
var (
	synthEntityTypes = []string{"table", "column", "dashboard", "pipeline", "testCase", "glossaryTerm"}
	synthDomains     = []string{"Sales", "Finance", "Marketing", "Engineering", "Customer Success", "Operations"}
	synthTags        = []string{"PII.Sensitive", "PII.NonSensitive", "Tier.Tier1", "Tier.Tier2", "Tier.Tier3",
		"PersonalData.Personal", "PersonalData.SpecialCategory", "Certification.Gold"}
	synthUsers    = []string{"alice", "bob", "carol", "dave", "erin", "frank"}
	synthTeams    = []string{"data-platform", "finance-analytics", "growth-marketing"}
	synthServices = []string{"snowflake_prod", "bigquery_analytics", "postgres_orders"}
	synthDBs      = []string{"analytics", "raw", "warehouse"}
	synthSchemas  = []string{"public", "sales", "finance", "marketing", "staging"}
	synthTables   = []string{"orders", "customers", "invoices", "payments", "campaigns", "leads", "ledger",
		"shipments", "products", "sessions"}
	synthColumns    = []string{"id", "email", "amount", "created_at", "customer_id", "country", "phone_number"}
	synthDashboards = []string{"Revenue Overview", "Churn Monitor", "Campaign ROI", "Pipeline Health", "Quarterly Close"}
	synthBIServices = []string{"looker", "tableau", "superset"}
	synthPipelines  = []string{"ingest_orders", "daily_finance_close", "refresh_marketing_attribution", "dbt_nightly"}
	synthTests      = []string{"column_values_to_be_not_null", "column_values_to_be_unique", "table_row_count_to_be_between"}
	synthGlossaries = []string{"Business", "Finance"}
	synthTerms      = []string{"Revenue", "Customer", "Churn", "ARR", "Lead", "Net Retention"}
	synthCustomKeys = []string{"steward", "retentionDays", "costCenter", "sla"}
	synthSteps      = []string{"extract", "transform", "load", "lineage", "publish"}
	synthIssues     = []string{"Authentication failed for the source connection", "Query timed out after 3600s",
		"Schema not found: ANALYTICS.STAGING", "Rate limited by source API"}
	synthPackages = []struct{ pkg, template, name string }{
		{"@atlan/snowflake", "atlan-snowflake", "snowflake-crawler"},
		{"@atlan/dbt", "atlan-dbt", "dbt-cloud-sync"},
		{"@atlan/tableau", "atlan-tableau", "tableau-crawler"},
		{"@atlan/bigquery", "atlan-bigquery", "bigquery-crawler"},
		{"@atlan/lineage", "atlan-lineage", "lineage-builder"},
		{"@atlan/postgres", "atlan-postgres", "postgres-miner"},
	}
	synthCrons = []struct {
		cron    string
		minutes int64
	}{{"*/30 * * * *", 30}, {"0 * * * *", 60}, {"0 2 * * *", 1440}, {"0 */6 * * *", 360}}
)

// synthEntityPool bounds the entities kept: updates hit entities that were
// created earlier, as they do in a catalog.
const synthEntityPool = 300

// metadataWeights is the share of each event type after the first few events
// (which go through every type once, so even a short run covers them all).
var metadataWeights = []struct {
	eventType string
	weight    int
}{
	{"entityCreated", 12}, {"entityUpdated", 40}, {"entitySoftDeleted", 5}, {"entityDeleted", 3},
	{"customMetadataUpdated", 10}, {"tagAdded", 18}, {"tagRemoved", 12},
}

// NewSynthetic returns a generator seeded with seed whose events carry times
// from clock (time.Now when nil).
func NewSynthetic(seed uint64, clock func() time.Time) *Synthetic {
	if clock == nil {
		clock = time.Now
	}
	var key [32]byte
	binary.LittleEndian.PutUint64(key[:], seed)
	copy(key[8:], "hookstream synthetic load")
	src := rand.NewChaCha8(key)
	return &Synthetic{rng: rand.New(src), ids: src, clock: clock}
}

func (s *Synthetic) uuid() string {
	id, err := uuid.NewRandomFromReader(s.ids)
	if err != nil { // ChaCha8.Read never fails
		panic(err)
	}
	return id.String()
}

func pick[T any](r *rand.Rand, from []T) T { return from[r.IntN(len(from))] }

// Metadata returns the next metadata-change event.
func (s *Synthetic) Metadata() *schemas.MetadataChangeEvent {
	eventType := s.nextEventType()
	s.n++
	if len(s.entities) == 0 {
		eventType = "entityCreated"
	}
	var e *synthEntity
	if eventType == "entityCreated" {
		e = s.newEntity()
	} else {
		e = pick(s.rng, s.entities)
	}
	ev := &schemas.MetadataChangeEvent{
		EventID:   s.uuid(),
		EventType: eventType,
		Timestamp: s.clock().UnixMilli(),
		Actor:     s.actor(),
	}
	switch eventType {
	case "entityUpdated":
		ev.ChangeDescription = s.update(e)
	case "tagAdded":
		ev.ChangeDescription = s.addTag(e)
	case "tagRemoved":
		if len(e.Tags) == 0 {
			ev.EventType = "tagAdded"
			ev.ChangeDescription = s.addTag(e)
		} else {
			ev.ChangeDescription = s.removeTag(e)
		}
	case "customMetadataUpdated":
		ev.ChangeDescription = s.setCustom(e)
	case "entitySoftDeleted":
		ev.ChangeDescription = &schemas.ChangeDescription{
			FieldsUpdated: []schemas.FieldChange{change("deleted", false, true)},
		}
	case "entityDeleted":
		s.forget(e)
	}
	ev.Entity = e.snapshot()
	return ev
}

// synthIntro is the order of the first events: every type once, the
// deletion last so the later types still have an entity to act on.
var synthIntro = []string{"entityCreated", "entityUpdated", "tagAdded", "tagRemoved", "customMetadataUpdated",
	"entitySoftDeleted", "entityDeleted"}

func (s *Synthetic) nextEventType() string {
	if s.n < len(synthIntro) {
		return synthIntro[s.n]
	}
	total := 0
	for _, w := range metadataWeights {
		total += w.weight
	}
	x := s.rng.IntN(total)
	for _, w := range metadataWeights {
		if x < w.weight {
			return w.eventType
		}
		x -= w.weight
	}
	return "entityUpdated"
}

func (s *Synthetic) actor() string {
	if s.rng.IntN(5) == 0 {
		return "ingestion-bot"
	}
	return pick(s.rng, synthUsers)
}

func (s *Synthetic) owner() *schemas.Owner {
	if s.rng.IntN(3) == 0 {
		return &schemas.Owner{Type: "team", Name: pick(s.rng, synthTeams)}
	}
	return &schemas.Owner{Type: "user", Name: pick(s.rng, synthUsers)}
}

func (s *Synthetic) newEntity() *synthEntity {
	typ := pick(s.rng, synthEntityTypes)
	table := fmt.Sprintf("%s.%s.%s.%s", pick(s.rng, synthServices), pick(s.rng, synthDBs), pick(s.rng, synthSchemas), pick(s.rng, synthTables))
	var name, fqn, desc string
	switch typ {
	case "table":
		name, fqn = table[lastDot(table)+1:], table
		desc = "The " + name + " table."
	case "column":
		name = pick(s.rng, synthColumns)
		fqn = table + "." + name
		desc = "The " + name + " of the row."
	case "dashboard":
		name = pick(s.rng, synthDashboards)
		fqn = pick(s.rng, synthBIServices) + "." + name
		desc = name + " for the leadership team."
	case "pipeline":
		name = pick(s.rng, synthPipelines)
		fqn = "airflow_prod." + name
		desc = "Airflow DAG " + name + "."
	case "testCase":
		name = pick(s.rng, synthTests)
		fqn = table + "." + pick(s.rng, synthColumns) + "." + name
		desc = "Data quality check."
	case "glossaryTerm":
		name = pick(s.rng, synthTerms)
		fqn = pick(s.rng, synthGlossaries) + "." + name
		desc = "Definition of " + name + "."
	}
	e := &synthEntity{Entity: schemas.Entity{
		ID: s.uuid(), Type: typ, Name: name, FullyQualifiedName: fqn, Description: desc,
		Tags: []string{}, Domain: pick(s.rng, synthDomains), CustomMetadata: map[string]string{},
	}}
	if s.rng.IntN(4) != 0 {
		e.Owner = s.owner()
	}
	for range s.rng.IntN(3) {
		if t := pick(s.rng, synthTags); !slices.Contains(e.Tags, t) {
			e.Tags = append(e.Tags, t)
		}
	}
	if len(s.entities) < synthEntityPool {
		s.entities = append(s.entities, e)
	} else {
		s.entities[s.rng.IntN(len(s.entities))] = e
	}
	return e
}

func lastDot(s string) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '.' {
			return i
		}
	}
	return -1
}

func (s *Synthetic) forget(e *synthEntity) {
	if i := slices.Index(s.entities, e); i >= 0 {
		s.entities = slices.Delete(s.entities, i, i+1)
	}
}

// snapshot copies the entity so later changes to the pool do not alter an
// event already handed out.
func (e *synthEntity) snapshot() schemas.Entity {
	out := e.Entity
	out.Tags = slices.Clone(e.Tags)
	out.CustomMetadata = make(map[string]string, len(e.CustomMetadata))
	for k, v := range e.CustomMetadata {
		out.CustomMetadata[k] = v
	}
	if e.Owner != nil {
		o := *e.Owner
		out.Owner = &o
	}
	return out
}

// update changes one or two of description, owner, domain and tier, as an
// edit in a catalog UI does, and describes the change.
func (s *Synthetic) update(e *synthEntity) *schemas.ChangeDescription {
	cd := &schemas.ChangeDescription{FieldsAdded: []schemas.FieldChange{}, FieldsUpdated: []schemas.FieldChange{}, FieldsDeleted: []schemas.FieldChange{}}
	fields := []string{"description", "owner", "domain", "displayName"}
	s.rng.Shuffle(len(fields), func(i, j int) { fields[i], fields[j] = fields[j], fields[i] })
	for _, f := range fields[:1+s.rng.IntN(2)] {
		switch f {
		case "description":
			old := e.Description
			e.Description = fmt.Sprintf("%s Reviewed by %s.", e.Name, pick(s.rng, synthUsers))
			cd.FieldsUpdated = append(cd.FieldsUpdated, change("description", old, e.Description))
		case "owner":
			old := e.Owner
			e.Owner = s.owner()
			if old == nil {
				cd.FieldsAdded = append(cd.FieldsAdded, added("owner", e.Owner))
			} else {
				cd.FieldsUpdated = append(cd.FieldsUpdated, change("owner", old, e.Owner))
			}
		case "domain":
			old := e.Domain
			e.Domain = pick(s.rng, synthDomains)
			cd.FieldsUpdated = append(cd.FieldsUpdated, change("domain", old, e.Domain))
		case "displayName":
			cd.FieldsAdded = append(cd.FieldsAdded, added("displayName", e.Name))
		}
	}
	return cd
}

func (s *Synthetic) addTag(e *synthEntity) *schemas.ChangeDescription {
	t := pick(s.rng, synthTags)
	if !slices.Contains(e.Tags, t) {
		e.Tags = append(e.Tags, t)
	}
	return &schemas.ChangeDescription{
		FieldsAdded:   []schemas.FieldChange{added("tags", []string{t})},
		FieldsUpdated: []schemas.FieldChange{}, FieldsDeleted: []schemas.FieldChange{},
	}
}

func (s *Synthetic) removeTag(e *synthEntity) *schemas.ChangeDescription {
	i := s.rng.IntN(len(e.Tags))
	t := e.Tags[i]
	e.Tags = slices.Delete(e.Tags, i, i+1)
	return &schemas.ChangeDescription{
		FieldsAdded: []schemas.FieldChange{}, FieldsUpdated: []schemas.FieldChange{},
		FieldsDeleted: []schemas.FieldChange{{Name: "tags", OldValue: jsonText([]string{t})}},
	}
}

func (s *Synthetic) setCustom(e *synthEntity) *schemas.ChangeDescription {
	key := pick(s.rng, synthCustomKeys)
	var v string
	switch key {
	case "steward":
		v = pick(s.rng, synthUsers)
	case "retentionDays":
		v = fmt.Sprint(pick(s.rng, []int{30, 90, 365, 730}))
	case "costCenter":
		v = fmt.Sprintf("CC-%04d", s.rng.IntN(10000))
	case "sla":
		v = pick(s.rng, []string{"gold", "silver", "bronze"})
	}
	cd := &schemas.ChangeDescription{FieldsAdded: []schemas.FieldChange{}, FieldsUpdated: []schemas.FieldChange{}, FieldsDeleted: []schemas.FieldChange{}}
	name := "customMetadata." + key
	if old, ok := e.CustomMetadata[key]; ok {
		cd.FieldsUpdated = append(cd.FieldsUpdated, change(name, old, v))
	} else {
		cd.FieldsAdded = append(cd.FieldsAdded, added(name, v))
	}
	e.CustomMetadata[key] = v
	return cd
}

func change(name string, old, new any) schemas.FieldChange {
	return schemas.FieldChange{Name: name, OldValue: jsonText(old), NewValue: jsonText(new)}
}

func added(name string, new any) schemas.FieldChange {
	return schemas.FieldChange{Name: name, NewValue: jsonText(new)}
}

func jsonText(v any) *string {
	b, err := json.Marshal(v)
	if err != nil { // only plain values are passed
		panic(err)
	}
	s := string(b)
	return &s
}

// Workflow returns the next workflow run: roughly three in four succeed, and
// a workflow that has been failing is more likely to fail again, so
// recurringFailuresInDays and lastThreeRuns tell a real story.
func (s *Synthetic) Workflow() *schemas.WorkflowCompletionEvent {
	w := s.workflow()
	failP := 25
	if w.failStreak > 0 {
		failP = 60
	}
	status := StatusSucceeded
	if s.rng.IntN(100) < failP {
		status = StatusFailed
	}
	end := s.clock().UTC().Truncate(time.Second)
	runTime := int64(30 + s.rng.IntN(3600))
	start := end.Add(-time.Duration(runTime) * time.Second)
	ev := &schemas.WorkflowCompletionEvent{
		EventID:          s.uuid(),
		Domain:           "acme.atlan.com",
		StartTime:        start.Format(time.RFC3339),
		EndTime:          end.Format(time.RFC3339),
		RunTime:          runTime,
		WorkflowTemplate: w.template,
		PackageName:      w.pkg,
		WorkflowID:       w.id,
		RunID:            fmt.Sprintf("%s-%05d", w.id, s.rng.IntN(100000)),
		IsSchedule:       w.scheduled,
		WorkflowName:     w.name,
		CronString:       w.cron,
		NextRunInMinutes: w.nextRunMinutes,
		FailedSteps:      []string{},
		RunningSteps:     []string{},
		LastThreeRuns:    slices.Clone(w.history),
		IsFirstRun:       len(w.history) == 0,
		Status:           status,
		PotentialIssues:  []string{},
	}
	if status == StatusSucceeded {
		ev.AssetsCreated = int64(s.rng.IntN(50))
		ev.AssetsUpdated = int64(s.rng.IntN(500))
		ev.AssetsDeleted = int64(s.rng.IntN(10))
		w.everSucceeded = true
		w.failStreak = 0
	} else {
		step := s.rng.IntN(len(synthSteps))
		ev.FailedSteps = []string{synthSteps[step]}
		if step+1 < len(synthSteps) && s.rng.IntN(2) == 0 {
			ev.FailedSteps = append(ev.FailedSteps, synthSteps[step+1])
		}
		ev.AssetsUpdated = int64(s.rng.IntN(20)) // partial work before the failure
		ev.PotentialIssues = []string{pick(s.rng, synthIssues)}
		w.failStreak++
	}
	ev.RecurringFailuresInDays = w.failStreak
	ev.IsEverRunSuccessfully = w.everSucceeded
	outcome := "Succeeded"
	if status == StatusFailed {
		outcome = "Failed"
	}
	w.history = append(w.history, outcome)
	if len(w.history) > 3 {
		w.history = w.history[len(w.history)-3:]
	}
	return ev
}

// workflow picks a workflow, creating one of each package first.
func (s *Synthetic) workflow() *synthWorkflow {
	if len(s.workflows) < 2*len(synthPackages) && (len(s.workflows) < len(synthPackages) || s.rng.IntN(4) == 0) {
		p := synthPackages[len(s.workflows)%len(synthPackages)]
		c := pick(s.rng, synthCrons)
		w := &synthWorkflow{
			id:       fmt.Sprintf("%s-%d", p.template, 1700000000+s.rng.IntN(100000000)),
			name:     fmt.Sprintf("%s-%s", p.name, pick(s.rng, []string{"prod", "staging", "finance", "marketing"})),
			pkg:      p.pkg,
			template: p.template,
		}
		if s.rng.IntN(5) != 0 {
			w.scheduled, w.cron, w.nextRunMinutes = true, c.cron, c.minutes
		}
		s.workflows = append(s.workflows, w)
		return w
	}
	return pick(s.rng, s.workflows)
}
