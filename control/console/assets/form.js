// Create and edit a webhook: every field of the spec, the event types from
// the catalogue, Validate (a sample sent now), and Save, which on create
// validates first and shows the secret once.

import { api } from './api.js';
import { $, $$, el, notice } from './dom.js';
import { clearErrors, showError } from './errors.js';
import { showSecret } from './webhooks.js';

// Fields the form has inputs for, and fields of a view that are not spec.
const KNOWN = ['name', 'description', 'url', 'method', 'enabled', 'owner', 'global', 'actionType', 'eventTypes', 'filters',
  'payloadFormat', 'signature', 'headers', 'timeoutSeconds', 'batchSize', 'ordering', 'rateLimitPerSecond', 'maxAttempts', 'autoDisableAfter', 'secret'];
const READ_ONLY = ['id', 'status', 'createdAt', 'updatedAt', 'createdBy', 'previousSecretExpiresAt', 'failureDetails', 'notificationType'];
const LISTS = ['entityTypes', 'include', 'exclude', 'domains', 'tags', 'workflowNames', 'packageNames'];
const NUMBERS = ['timeoutSeconds', 'batchSize', 'rateLimitPerSecond', 'maxAttempts'];

let nav;
let editing = null; // the view being edited, or null when creating
let catalogue = null;

const form = () => $('#webhook-form');
const input = (name) => form().elements.namedItem(name);

export function init({ go }) {
  nav = go;
  form().addEventListener('submit', save);
  $('#validate-webhook').addEventListener('click', validate);
  $('#cancel-webhook').addEventListener('click', () => go('webhooks'));
}

export async function enter(id) {
  const f = form();
  f.reset();
  clearErrors(f);
  $('#validate-result').hidden = true;
  editing = null;
  await loadCatalogue();
  for (const e of $$('.create-only', f)) e.hidden = !!id;
  $('#form-title').textContent = id ? 'Edit webhook' : 'New webhook';
  $('#save-webhook').textContent = id ? 'Save' : 'Validate and save';
  input('extra').value = '{}';
  if (!id) {
    input('name').focus();
    return;
  }
  try {
    editing = await api('GET', '/webhooks/' + encodeURIComponent(id));
  } catch (err) {
    notice(err.message, true);
    nav('webhooks');
    return;
  }
  fill(editing);
  input('name').focus();
}

async function loadCatalogue() {
  if (!catalogue) {
    try {
      catalogue = (await api('GET', '/webhooks/actions')).actions;
    } catch (err) {
      notice('Could not load the event catalogue: ' + err.message, true);
      catalogue = [];
    }
  }
  $('#event-type-list').replaceChildren(...catalogue.map((a, i) =>
    el('label', { title: a.description },
      el('input', { type: 'checkbox', name: 'eventType', value: a.type, id: 'et-' + i }),
      `${a.type} `, el('small', {}, a.category))));
}

function fill(w) {
  for (const k of ['name', 'description', 'url', 'owner', 'payloadFormat', 'signature', 'ordering', ...NUMBERS]) {
    if (w[k] !== undefined && w[k] !== null) input(k).value = String(w[k]);
  }
  input('method').value = w.method || 'POST';
  input('enabled').checked = !!w.enabled;
  input('global').value = String(!!w.global);
  input('actionType').value = w.actionType || '';
  input('autoDisableAfter').value = w.autoDisableAfter ?? '';
  const types = new Set(w.eventTypes || []);
  for (const c of $$('#event-type-list input')) c.checked = types.has(c.value);
  for (const l of LISTS) input('filters.' + l).value = ((w.filters || {})[l] || []).join(', ');
  input('headers').value = Object.entries(w.headers || {}).map(([k, v]) => `${k}: ${v}`).join('\n');
  const extra = {};
  for (const [k, v] of Object.entries(w)) {
    if (!KNOWN.includes(k) && !READ_ONLY.includes(k)) extra[k] = v;
  }
  input('extra').value = JSON.stringify(extra, null, 2);
}

const list = (s) => s.split(',').map((x) => x.trim()).filter(Boolean);

// spec reads the form; a field it cannot read is shown and null returned.
function spec() {
  const f = form();
  const s = {
    name: input('name').value.trim(), description: input('description').value, url: input('url').value.trim(),
    method: input('method').value, enabled: input('enabled').checked,
    actionType: input('actionType').value, payloadFormat: input('payloadFormat').value, signature: input('signature').value,
    ordering: input('ordering').value,
    eventTypes: $$('#event-type-list input:checked').map((c) => c.value),
    filters: Object.fromEntries(LISTS.map((l) => [l, list(input('filters.' + l).value)])),
    headers: {},
  };
  if (input('owner').value.trim()) s.owner = input('owner').value.trim();
  if (input('global').value) s.global = input('global').value === 'true';
  for (const n of NUMBERS) s[n] = Number(input(n).value || 0);
  if (input('autoDisableAfter').value !== '') s.autoDisableAfter = Number(input('autoDisableAfter').value);
  for (const line of input('headers').value.split('\n')) {
    if (!line.trim()) continue;
    const i = line.indexOf(':');
    if (i <= 0) {
      showError(f, { field: 'headers', message: `"${line}" is not a Name: value line` });
      return null;
    }
    s.headers[line.slice(0, i).trim()] = line.slice(i + 1).trim();
  }
  if (!editing && input('secret').value) s.secret = input('secret').value;
  let extra;
  try {
    extra = JSON.parse(input('extra').value || '{}');
    if (typeof extra !== 'object' || extra === null || Array.isArray(extra)) throw new Error('not an object');
  } catch (err) {
    showError(f, { field: 'extra', message: 'Other fields must be a JSON object: ' + err.message });
    return null;
  }
  return { ...s, ...extra };
}

function showProbe(r, title) {
  const p = $('#validate-result');
  p.replaceChildren(el('h3', {}, title),
    el('pre', {}, `status: ${r.statusCode}\nlatency: ${r.latencyMs} ms\n${r.error ? 'error: ' + r.error + '\n' : ''}response:\n${r.responseSnippet || ''}`));
  p.hidden = false;
}

async function validate() {
  const f = form();
  clearErrors(f);
  const s = spec();
  if (!s) return;
  delete s.enabled;
  try {
    const r = await api('POST', '/webhooks/validate', s);
    showProbe(r, 'Validated: the endpoint answered ' + r.statusCode);
  } catch (err) {
    if (err.body && err.body.result) showProbe(err.body.result, 'Not validated');
    showError(f, err);
  }
}

async function save(ev) {
  ev.preventDefault();
  const f = form();
  clearErrors(f);
  const s = spec();
  if (!s) return;
  try {
    if (editing) {
      // A merge patch: headers left out of the form are removed (null).
      for (const k of Object.keys(editing.headers || {})) if (!(k in s.headers)) s.headers[k] = null;
      await api('PATCH', '/webhooks/' + encodeURIComponent(editing.id), s, 'application/merge-patch+json');
      notice(`${s.name} saved.`);
      nav('webhooks');
      return;
    }
    const created = await api('POST', '/webhooks?validate=true', s);
    showSecret(created.secret, `Signing secret of ${created.name}`);
    nav('webhooks');
  } catch (err) {
    if (err.body && err.body.result) showProbe(err.body.result, 'Not saved: the endpoint did not answer 2xx');
    showError(f, err);
  }
}
