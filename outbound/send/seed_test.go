package send

import (
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hookstream/hookstream/outbound/payload"
	"github.com/hookstream/hookstream/outbound/signature"
	"github.com/hookstream/hookstream/schemas"
)

// seedEvent holds what trips a re-serialising verifier: &, < and > (which
// Go's encoder writes as \u0026, \u003c, \u003e), non-ASCII text, a change
// whose values are JSON text, and tags.
const seedEvent = `{"eventId":"123e4567-e89b-12d3-a456-426614174000","eventType":"entityUpdated","timestamp":1705320000000,` +
	`"entity":{"id":"456e7890-e89b-12d3-a456-426614174111","type":"table","name":"customers",` +
	`"fullyQualifiedName":"snowflake_prod.sales.public.customers","description":"Customers \u0026 <prospects> of Zürich",` +
	`"owner":{"type":"user","name":"john.doe"},"tags":["PII.Sensitive"],"domain":"Sales","customMetadata":{}},` +
	`"changeDescription":{"fieldsAdded":[],"fieldsUpdated":[{"name":"tags","oldValue":"[]","newValue":"[\"PII.Sensitive\"]"},` +
	`{"name":"description","oldValue":"\"old\"","newValue":"\"Customers \\u0026 \u003cprospects\u003e\""}],"fieldsDeleted":[]},` +
	`"actor":"jane"}`

// delivered is one request as the endpoint received it.
type delivered struct {
	header http.Header
	body   []byte
}

// sendSeed renders tasks for w and sends them under scheme with the real
// Sender, returning what the endpoint got.
func sendSeed(t *testing.T, w payload.Webhook, scheme signature.Scheme, tasks ...schemas.DeliveryTask) delivered {
	t.Helper()
	got := make(chan delivered, 1)
	srv, _ := server(t, func(rw http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- delivered{r.Header.Clone(), b}
		rw.WriteHeader(http.StatusNoContent)
	})
	body, err := payload.Render(w, "msg_seed", tasks)
	if err != nil {
		t.Fatal(err)
	}
	res := newSender(t, Options{}).Send(context.Background(), Request{
		URL: srv.URL, Body: body, Scheme: scheme, Secrets: []string{secret}, MessageID: "msg_seed",
	})
	if res.Err != nil || res.StatusCode != http.StatusNoContent {
		t.Fatalf("send: %d %v", res.StatusCode, res.Err)
	}
	return <-got
}

func seedTask(id string) schemas.DeliveryTask {
	return schemas.DeliveryTask{DeliveryID: id, WebhookID: "wh_1", EventType: "entityUpdated", Event: seedEvent}
}

// run runs a verifier program, the secret in its environment, and fails the
// test with its output unless it exits 0.
func run(t *testing.T, env []string, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

func need(t *testing.T, program string) {
	t.Helper()
	if _, err := exec.LookPath(program); err != nil {
		t.Skipf("%s not installed: %v", program, err)
	}
}

func writeFile(t *testing.T, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// omVerifier is verify_signature exactly as OpenMetadata's webhook document
// prints it, then checks of the payload's documented shape. argv: body file,
// X-OpenMetadata-Signature; SECRET in the environment.
const omVerifier = `import hmac
import hashlib
def verify_signature(payload, signature, secret_key):
    expected = hmac.new(
        secret_key.encode('utf-8'),
        payload.encode('utf-8'),
        hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest(f"sha256={expected}", signature)

import json, os, sys
payload = open(sys.argv[1], encoding='utf-8').read()
if not verify_signature(payload, sys.argv[2], os.environ['SECRET']):
    sys.exit('signature rejected')
if verify_signature(payload + ' ', sys.argv[2], os.environ['SECRET']):
    sys.exit('a changed body verifies')
ev = json.loads(payload)
assert list(ev) == ['eventId', 'eventType', 'timestamp', 'entity', 'changeDescription', 'userName', 'webhookName'], list(ev)
assert ev['webhookName'] == 'SlackTableNotifications', ev
assert ev['timestamp'] == 1705320000000, ev
e = ev['entity']
assert e['tags'] == [{'tagFQN': 'PII.Sensitive'}], e
assert e['owner'] == {'type': 'user', 'name': 'john.doe'}, e
assert e['domain'] == {'type': 'domain', 'name': 'Sales'}, e
assert e['description'] == 'Customers & <prospects> of Zürich', e
up = ev['changeDescription']['fieldsUpdated']
assert up[0] == {'name': 'tags', 'oldValue': [], 'newValue': [{'tagFQN': 'PII.Sensitive'}]}, up
assert up[1]['newValue'] == 'Customers & <prospects>', up
assert ev['changeDescription']['fieldsAdded'] == [] and ev['changeDescription']['fieldsDeleted'] == []
`

func TestOpenMetadataVerifier(t *testing.T) {
	need(t, "python3")
	d := sendSeed(t, payload.Webhook{ID: "wh_1", Name: "SlackTableNotifications", Format: payload.OpenMetadata, BatchSize: 1},
		signature.OpenMetadata, seedTask("dlv_1"))
	sig := d.header.Get("X-OpenMetadata-Signature")
	if !strings.HasPrefix(sig, "sha256=") {
		t.Fatalf("X-OpenMetadata-Signature = %q", sig)
	}
	run(t, []string{"SECRET=" + secret}, "python3", writeFile(t, "verify.py", []byte(omVerifier)), writeFile(t, "body.json", d.body), sig)
}

// atomicVerifier is the payload verification Atomic's document prints
// (createHmac and timingSafeEqual, an ES module), with the line the
// document's listing leaves out written as its text describes (the
// signature "recreated using the payload and secret": the hex HMAC-SHA256 of
// the body), then checks of the envelope. argv: body file, header value,
// whether the webhook is batched; SECRET in the environment.
const atomicVerifier = `import crypto from "crypto";
import fs from "fs";

const secret = process.env.SECRET;
const body = fs.readFileSync(process.argv[2], "utf8");
const requestSignature = process.argv[3];

const signature = crypto
.createHmac("sha256", secret)
.update(body).digest("hex");

if (
signature.length === requestSignature.length &&
crypto.timingSafeEqual(Buffer.from(signature), Buffer.from(requestSignature))
) {
console.log("payload is safe");
} else {
console.log("payload is unsafe");
process.exit(1);
}

const env = JSON.parse(body);
const batched = process.argv[4] === "true";
const fail = (m) => { console.log(m, body); process.exit(1); };
if (JSON.stringify(Object.keys(env)) !== '["requestId","webhookId","isBatched","data"]') fail("envelope keys");
if (env.requestId !== "msg_seed" || env.webhookId !== "wh_1") fail("ids");
if (env.isBatched !== batched || Array.isArray(env.data) !== batched) fail("isBatched and data disagree");
for (const item of batched ? env.data : [env.data]) {
  if (typeof item.id !== "string" || item.analyticsEvent !== "entityUpdated" || item.eventId === undefined) fail("data item");
}
`

func TestAtomicVerifier(t *testing.T) {
	need(t, "node")
	script := writeFile(t, "verify.mjs", []byte(atomicVerifier))
	for _, tc := range []struct {
		name      string
		batchSize int
		tasks     []schemas.DeliveryTask
		batched   string
	}{
		{"one event", 1, []schemas.DeliveryTask{seedTask("dlv_1")}, "false"},
		{"batched webhook, one event waiting", 10, []schemas.DeliveryTask{seedTask("dlv_1")}, "true"},
		{"batched webhook, two events", 10, []schemas.DeliveryTask{seedTask("dlv_1"), seedTask("dlv_2")}, "true"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := sendSeed(t, payload.Webhook{ID: "wh_1", Name: "n", Format: payload.Atomic, BatchSize: tc.batchSize}, signature.Atomic, tc.tasks...)
			sig := d.header.Get("X-Atomic-Signature")
			run(t, []string{"SECRET=" + secret}, "node", script, writeFile(t, "body.json", d.body), sig, tc.batched)
			// The check can fail: a changed body is unsafe.
			tampered := writeFile(t, "tampered.json", append(d.body, ' '))
			if err := exec.Command("node", script, tampered, sig, tc.batched).Run(); err == nil {
				t.Fatal("the verifier accepts a changed body")
			}
		})
	}
}

// immutaVerifier recomputes Immuta's signature as its document prints it,
// createHmac('sha1', decryptedSecret).update(JSON.stringify(data)).digest('hex'),
// over the parsed body, as an Express receiver with a JSON body parser has
// it. argv: body file, x-immuta-webhook-signature; SECRET in the
// environment.
const immutaVerifier = `const { createHmac } = require('crypto');
const fs = require('fs');
const decryptedSecret = process.env.SECRET;
const data = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const digest = createHmac('sha1', decryptedSecret).update(JSON.stringify(data)).digest('hex');
if (digest !== process.argv[3]) { console.log('mismatch', digest, process.argv[3]); process.exit(1); }
`

func TestImmutaVerifier(t *testing.T) {
	need(t, "node")
	script := writeFile(t, "verify.cjs", []byte(immutaVerifier))
	for _, format := range []string{payload.Generic, payload.OpenMetadata, payload.Slack} {
		t.Run(format, func(t *testing.T) {
			d := sendSeed(t, payload.Webhook{ID: "wh_1", Name: "n", Format: format, BatchSize: 2}, signature.Immuta, seedTask("dlv_1"))
			sig := d.header.Get("X-Immuta-Webhook-Signature")
			if len(sig) != 40 {
				t.Fatalf("x-immuta-webhook-signature = %q, want 40 hex digits", sig)
			}
			run(t, []string{"SECRET=" + secret}, "node", script, writeFile(t, "body.json", d.body), sig)
			// The raw body verifies too, so a receiver that keeps it can
			// check the bytes that arrived.
			if err := signature.VerifyScheme(signature.Immuta, d.header, d.body, []string{secret}, time.Time{}, 0); err != nil {
				t.Fatalf("raw body: %v", err)
			}
			changed := strings.Replace(string(d.body), "Sales", "Sa1es", 1)
			if err := exec.Command("node", script, writeFile(t, "changed.json", []byte(changed)), sig).Run(); err == nil {
				t.Fatal("the verifier accepts a changed body")
			}
		})
	}
}

// TestAtlanVerifier checks the one thing Atlan's document asks of a
// receiver (it prints no code): the x-atlan-signing-secret header holds the
// secret the user copied.
func TestAtlanVerifier(t *testing.T) {
	d := sendSeed(t, payload.Webhook{ID: "wh_1", Name: "n", Format: payload.Generic, BatchSize: 1}, signature.Atlan, seedTask("dlv_1"))
	if got := d.header.Get("x-atlan-signing-secret"); got != secret {
		t.Fatalf("x-atlan-signing-secret = %q, want the webhook's secret", got)
	}
	if !Redact("x-atlan-signing-secret") {
		t.Error("the atlan header carries the secret and must be redacted where requests are shown")
	}
}

// TestWebhookIDEveryScheme: every request carries webhook-id, the delivery
// id, whatever the scheme and unsigned too, and a retry of the delivery
// carries the same one.
func TestWebhookIDEveryScheme(t *testing.T) {
	ids := make(chan string, 2)
	srv, _ := server(t, func(rw http.ResponseWriter, r *http.Request) {
		ids <- r.Header.Get("webhook-id")
		rw.WriteHeader(http.StatusServiceUnavailable)
	})
	s := newSender(t, Options{})
	for _, scheme := range append([]signature.Scheme{"unsigned"}, signature.Schemes...) {
		t.Run(string(scheme), func(t *testing.T) {
			req := Request{URL: srv.URL, Body: []byte(`{"a":1}`), Scheme: scheme, Secrets: []string{secret}, MessageID: "dlv_42"}
			if scheme == "unsigned" {
				req.Scheme, req.Secrets = "", nil
			}
			for attempt := 1; attempt <= 2; attempt++ {
				if res := s.Send(context.Background(), req); res.Err != nil {
					t.Fatal(res.Err)
				}
				if got := <-ids; got != "dlv_42" {
					t.Fatalf("attempt %d: webhook-id = %q, want dlv_42", attempt, got)
				}
			}
		})
	}
}
