// Replay a time range to one webhook and follow its progress; list dead
// letters and redrive a selection or all of them.

import { api, query } from './api.js';
import { $, $$, el, cell, fmtTime, notice, confirmAction, toISO, toLocalInput } from './dom.js';
import { clearErrors, showError } from './errors.js';

const PAGE = 20;
const PROGRESS_MS = 1000;
let dlOffset = 0;
let progressTimer = null;
let names = {};

export function init() {
  $('#replay-form').addEventListener('submit', startReplay);
  $('#dl-filters').addEventListener('submit', (ev) => { ev.preventDefault(); dlOffset = 0; loadDeadLetters(); });
  $('#dl-prev').addEventListener('click', () => { dlOffset = Math.max(0, dlOffset - PAGE); loadDeadLetters(); });
  $('#dl-next').addEventListener('click', () => { dlOffset += PAGE; loadDeadLetters(); });
  $('#redrive-selected').addEventListener('click', () => {
    const ids = $$('#dl-table tbody input:checked').map((c) => c.value);
    if (!ids.length) {
      $('#redrive-result').textContent = 'Select the dead letters to redrive first.';
      return;
    }
    redrive({ ids }, `Redrive ${ids.length} dead letter(s)?`);
  });
  $('#redrive-all').addEventListener('click', () => {
    const webhookId = $('#d-webhookId').value;
    redrive(webhookId ? { webhookId } : { all: true },
      webhookId ? `Redrive every dead letter of ${names[webhookId] || webhookId}?` : 'Redrive every dead letter you may manage?');
  });
}

export async function enter() {
  if (!$('#r-since').value) $('#r-since').value = toLocalInput(new Date(Date.now() - 3600e3));
  await loadWebhooks();
  await loadDeadLetters();
}

export function leave() {
  clearTimeout(progressTimer);
}

async function loadWebhooks() {
  try {
    const page = await api('GET', '/webhooks?pageSize=1000&sortField=name&sortOrder=asc');
    names = Object.fromEntries(page.records.map((w) => [w.id, w.name]));
    for (const sel of [$('#r-webhook'), $('#d-webhookId')]) {
      const keep = sel.value;
      const opts = page.records.map((w) => el('option', { value: w.id }, `${w.name} (${w.id})`));
      sel.replaceChildren(...(sel.id === 'd-webhookId' ? [el('option', { value: '' }, 'all')] : []), ...opts);
      if (keep) sel.value = keep;
    }
  } catch (err) {
    notice(err.message, true);
  }
}

async function startReplay(ev) {
  ev.preventDefault();
  const f = $('#replay-form');
  clearErrors(f);
  const id = $('#r-webhook').value;
  if (!id) {
    showError(f, { field: 'webhook', message: 'Choose a webhook.' });
    return;
  }
  const body = { since: toISO($('#r-since').value) };
  if ($('#r-until').value) body.until = toISO($('#r-until').value);
  try {
    const p = await api('POST', `/webhooks/${encodeURIComponent(id)}/replay`, body);
    progress(p);
  } catch (err) {
    showError(f, err.field === 'status' ? { ...err, field: 'webhook' } : err);
  }
}

function progress(p) {
  clearTimeout(progressTimer);
  $('#replay-progress').hidden = false;
  $('#replay-bar').max = Math.max(p.total, 1);
  $('#replay-bar').value = p.state === 'completed' ? Math.max(p.total, 1) : p.scanned;
  $('#replay-state').textContent = `Replay ${p.id}: ${p.state} — ${p.scanned} of ${p.total} events read, ${p.matched} sent again` +
    (p.skipped ? `, ${p.skipped} unreadable` : '') + (p.error ? ` — ${p.error}` : '');
  if (p.state === 'running') {
    progressTimer = setTimeout(async () => {
      try {
        progress(await api('GET', `/webhooks/${encodeURIComponent(p.webhookId)}/replay/${encodeURIComponent(p.id)}`));
      } catch (err) {
        $('#replay-state').textContent = 'Progress unavailable: ' + err.message;
      }
    }, PROGRESS_MS);
  }
}

async function loadDeadLetters() {
  let page;
  try {
    page = await api('GET', '/dead-letters' + query({
      webhookId: $('#d-webhookId').value, includeRedriven: $('#d-includeRedriven').checked, offset: dlOffset, pageSize: PAGE,
    }));
  } catch (err) {
    notice(err.message, true);
    return;
  }
  $('#dl-table tbody').replaceChildren(...page.records.map((d) => el('tr', { 'data-id': d.id },
    cell('Select', el('input', { type: 'checkbox', value: d.id, 'aria-label': 'Select dead letter ' + d.id, disabled: !!d.redrivenAt })),
    cell('Dead-lettered', fmtTime(d.deadLetteredAt)),
    cell('Webhook', names[d.webhookId] || d.webhookId),
    el('td', { class: 'wrap', 'data-label': 'Event' }, d.eventType, el('br'), el('small', {}, d.eventId)),
    el('td', { class: 'wrap', 'data-label': 'Reason' }, d.reason),
    cell('Last status', d.lastStatusCode ? String(d.lastStatusCode) : '—'),
    cell('Attempts', String(d.attempts)),
    cell('Redriven', d.redrivenAt ? fmtTime(d.redrivenAt) : '—'))));
  $('#dl-empty').hidden = page.count > 0;
  $('#dl-page').textContent = page.count ? `${dlOffset + 1}–${dlOffset + page.records.length} of ${page.count}` : '';
  $('#dl-prev').disabled = dlOffset === 0;
  $('#dl-next').disabled = dlOffset + PAGE >= page.count;
}

async function redrive(body, question) {
  if (!(await confirmAction(question, 'Redrive'))) return;
  try {
    const r = await api('POST', '/dead-letters/redrive', body);
    $('#redrive-result').textContent = `${r.redriven} dead letter(s) redriven.`;
  } catch (err) {
    $('#redrive-result').textContent = 'Redrive refused: ' + err.message;
  }
  await loadDeadLetters();
}
