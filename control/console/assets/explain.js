// "Why didn't it fire?": the API's explain, which asks the router's own
// matching, for an event pasted or found by id among recorded attempts.

import { api, query } from './api.js';
import { $, el, cell, statusBadge, pretty } from './dom.js';
import { clearErrors, showError } from './errors.js';

// How far back an event id is looked for: the newest attempts, in pages.
const LOOKUP_PAGES = 5;
const LOOKUP_PAGE_SIZE = 200;

export function init() {
  $('#explain-form').addEventListener('submit', run);
  $('#lookup-event').addEventListener('click', lookup);
}

export function enter() {
  $('#x-event').focus();
}

// setEvent fills the form with an event, e.g. one from an attempt.
export function setEvent(ev) {
  $('#x-event').value = pretty(ev);
  $('#explain-summary').textContent = '';
  $('#explain-table').hidden = true;
}

async function lookup() {
  const f = $('#explain-form');
  clearErrors(f);
  const id = $('#x-eventId').value.trim();
  if (!id) {
    showError(f, { field: 'eventId', message: 'Enter an event id.' });
    return;
  }
  try {
    for (let i = 0; i < LOOKUP_PAGES; i++) {
      const page = await api('GET', '/webhooks/history' + query({ offset: i * LOOKUP_PAGE_SIZE, pageSize: LOOKUP_PAGE_SIZE, sortOrder: 'desc' }));
      const hit = page.records.find((r) => r.eventId === id && r.event);
      if (hit) {
        setEvent(hit.event);
        return;
      }
      if ((i + 1) * LOOKUP_PAGE_SIZE >= page.count) break;
    }
  } catch (err) {
    showError(f, err);
    return;
  }
  showError(f, { field: 'eventId', message: `No recorded attempt carries event ${id} (the newest ${LOOKUP_PAGES * LOOKUP_PAGE_SIZE} were searched): paste the event below.` });
}

async function run(ev) {
  ev.preventDefault();
  const f = $('#explain-form');
  clearErrors(f);
  let event;
  try {
    event = JSON.parse($('#x-event').value);
  } catch (err) {
    showError(f, { field: 'event', message: 'The event is not JSON: ' + err.message });
    return;
  }
  let r;
  try {
    r = await api('POST', '/webhooks/explain', { event });
  } catch (err) {
    showError(f, err);
    return;
  }
  const what = r.event.isWorkflow ? `workflow event ${r.event.type}` : `${r.event.type} of a ${r.event.entityType || '(no entity type)'}`;
  $('#explain-summary').textContent = `${r.matched} of ${r.webhooks.length} webhook(s) you can see receive this ${what}.`;
  $('#explain-table tbody').replaceChildren(...r.webhooks.map((w) => el('tr', { 'data-id': w.id },
    cell('Webhook', w.name, el('br'), el('small', {}, w.id)),
    cell('Status', statusBadge(w.status)),
    cell('Receives it', statusBadge(w.matched ? 'yes' : 'no')),
    cell('Refused by', w.rule || '—'),
    el('td', { class: 'wrap', 'data-label': 'Why' }, w.reason || ''))));
  $('#explain-table').hidden = false;
}
