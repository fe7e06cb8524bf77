// Attempt history with the API's filters and paging, one attempt's
// detail, retry, and live updates: while the section is shown and live is
// ticked, the page is fetched again every few seconds, one request at a
// time, and not while the tab is hidden.

import { api, query } from './api.js';
import { $, el, button, cell, statusBadge, fmtTime, notice, pretty, toISO } from './dom.js';
import { clearErrors, showError } from './errors.js';
import { setEvent } from './explain.js';

const POLL_MS = 3000;
let offset = 0;
let pageSize = 20;
let timer = null;
let inFlight = false;
let shown = null; // the attempt in the detail panel
let names = {};

const filters = () => $('#history-filters');

export function init({ go }) {
  filters().addEventListener('submit', (ev) => { ev.preventDefault(); offset = 0; load(); });
  $('#history-prev').addEventListener('click', () => { offset = Math.max(0, offset - pageSize); load(); });
  $('#history-next').addEventListener('click', () => { offset += pageSize; load(); });
  $('#live').addEventListener('change', schedule);
  $('#retry-attempt').addEventListener('click', retry);
  $('#close-attempt').addEventListener('click', closeDetail);
  $('#explain-attempt').addEventListener('click', () => {
    if (!shown) return;
    setEvent(shown.event);
    go('explain');
  });
  document.addEventListener('visibilitychange', schedule);
}

export async function enter(webhookId) {
  await loadWebhooks(webhookId);
  offset = 0;
  await load();
}

export function leave() {
  clearTimeout(timer);
  timer = null;
}

async function loadWebhooks(selected) {
  const sel = $('#h-webhookId');
  const keep = selected ?? sel.value;
  try {
    const page = await api('GET', '/webhooks?pageSize=1000&sortField=name&sortOrder=asc');
    names = Object.fromEntries(page.records.map((w) => [w.id, w.name]));
    sel.replaceChildren(el('option', { value: '' }, 'all'), ...page.records.map((w) => el('option', { value: w.id }, `${w.name} (${w.id})`)));
  } catch (err) {
    notice(err.message, true);
  }
  sel.value = keep || '';
}

function params() {
  const f = filters().elements;
  pageSize = Number(f.namedItem('pageSize').value);
  return {
    webhookId: f.namedItem('webhookId').value, eventType: f.namedItem('eventType').value.trim(),
    successOrFailure: f.namedItem('successOrFailure').value,
    since: toISO(f.namedItem('since').value), until: toISO(f.namedItem('until').value),
    offset, pageSize, sortField: 'timestamp', sortOrder: 'desc',
  };
}

async function load() {
  clearTimeout(timer);
  if ($('#deliveries-view').hidden) return;
  clearErrors(filters());
  inFlight = true;
  try {
    const page = await api('GET', '/webhooks/history' + query(params()));
    render(page);
  } catch (err) {
    showError(filters(), err);
  } finally {
    inFlight = false;
    schedule();
  }
}

function schedule() {
  clearTimeout(timer);
  timer = null;
  if ($('#live').checked && !document.hidden && !$('#deliveries-view').hidden && !inFlight) {
    timer = setTimeout(load, POLL_MS);
  }
}

function render(page) {
  $('#history-table tbody').replaceChildren(...page.records.map((r) => el('tr', { 'data-id': r.id },
    cell('Time', fmtTime(r.timestamp)),
    cell('Webhook', names[r.webhookId] || r.webhookId),
    el('td', { class: 'wrap', 'data-label': 'Event' }, r.eventType, el('br'), el('small', {}, r.eventId)),
    cell('Attempt', String(r.attempt)),
    cell('Outcome', statusBadge(r.success ? 'success' : 'failure'), r.outcome === (r.success ? 'success' : 'failure') ? '' : ' ' + r.outcome),
    cell('Status', r.statusCode ? String(r.statusCode) : '—'),
    cell('Latency', r.latencyMs + ' ms'),
    cell('Actions', button('Details', () => openDetail(r), { 'aria-label': 'Details of attempt ' + r.id })))));
  $('#history-empty').hidden = page.count > 0;
  const last = Math.min(offset + page.records.length, page.count);
  $('#history-page').textContent = page.count ? `${offset + 1}–${last} of ${page.count}` : '';
  $('#history-prev').disabled = offset === 0;
  $('#history-next').disabled = offset + pageSize >= page.count;
}

function openDetail(r) {
  shown = r;
  const fields = [
    ['Attempt id', r.id], ['Delivery', r.deliveryId], ['Webhook', `${names[r.webhookId] || ''} (${r.webhookId})`],
    ['Event', `${r.eventType} ${r.eventId}`], ['Attempt', `${r.attempt} (${r.tier || 'first'})`], ['Outcome', r.outcome],
    ['Status', r.statusCode ? String(r.statusCode) : 'no answer'], ['Latency', r.latencyMs + ' ms'],
    ['Time', fmtTime(r.timestamp)], ['Error', r.error || '—'], ['Next attempt', r.nextAttemptAt ? fmtTime(r.nextAttemptAt) : '—'],
  ];
  $('#attempt-fields').replaceChildren(...fields.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
  $('#attempt-headers').textContent = Object.entries(r.requestHeaders || {}).sort().map(([k, v]) => `${k}: ${v}`).join('\n');
  $('#attempt-event').textContent = r.event === undefined && r.eventUnavailable ? `(${r.eventUnavailable})` : pretty(r.event);
  $('#attempt-response').textContent = r.responseSnippet || '(empty)';
  $('#retry-result').textContent = '';
  $('#attempt-detail').hidden = false;
  $('#attempt-detail').focus();
}

function closeDetail() {
  shown = null;
  $('#attempt-detail').hidden = true;
}

async function retry() {
  if (!shown) return;
  try {
    const r = await api('POST', `/webhooks/history/${encodeURIComponent(shown.id)}/retry`);
    $('#retry-result').textContent = `Retry queued as delivery ${r.deliveryId}.`;
  } catch (err) {
    $('#retry-result').textContent = 'Retry refused: ' + err.message;
  }
}
