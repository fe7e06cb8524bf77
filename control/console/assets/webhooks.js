// The webhook list: status, last failure, the last hour's attempts and
// success rate, and the actions on one webhook.

import { api, query } from './api.js';
import { $, el, button, cell, statusBadge, fmtTime, notice, confirmAction } from './dom.js';

const PAGE = 20;
let offset = 0;
let nav;

export function init({ go }) {
  nav = go;
  $('#new-webhook').addEventListener('click', () => go('form'));
  $('#refresh-webhooks').addEventListener('click', load);
  $('#webhooks-prev').addEventListener('click', () => { offset = Math.max(0, offset - PAGE); load(); });
  $('#webhooks-next').addEventListener('click', () => { offset += PAGE; load(); });
  $('#copy-secret').addEventListener('click', copySecret);
  $('#dismiss-secret').addEventListener('click', hideSecret);
}

export function enter() { load(); }

export function leave() { hideSecret(); }

// showSecret is the only place a secret is put on the page; it is
// dropped from the page when dismissed or when the user leaves the list.
export function showSecret(secret, what) {
  $('#secret-title').textContent = what;
  $('#secret-value').textContent = secret;
  $('#secret-panel').hidden = false;
  $('#copy-secret').focus();
}

function hideSecret() {
  $('#secret-value').textContent = '';
  $('#secret-panel').hidden = true;
}

async function copySecret() {
  const text = $('#secret-value').textContent;
  try {
    await navigator.clipboard.writeText(text);
    notice('Secret copied.');
  } catch {
    const r = document.createRange();
    r.selectNodeContents($('#secret-value'));
    getSelection().removeAllRanges();
    getSelection().addRange(r);
    notice('Select the secret and copy it (the clipboard is not available here).');
  }
}

export async function load() {
  let page;
  try {
    page = await api('GET', '/webhooks' + query({ offset, pageSize: PAGE, sortField: 'name', sortOrder: 'asc' }));
  } catch (err) {
    notice(err.message, true);
    return;
  }
  const body = $('#webhooks-table tbody');
  body.replaceChildren(...page.records.map(row));
  $('#webhooks-empty').hidden = page.count > 0;
  $('#webhooks-page').textContent = page.count ? `${offset + 1}–${offset + page.records.length} of ${page.count}` : '';
  $('#webhooks-prev').disabled = offset === 0;
  $('#webhooks-next').disabled = offset + PAGE >= page.count;
  // One bounded pair of counting queries per webhook shown.
  await Promise.all(page.records.map(lastHour));
}

function row(w) {
  const f = w.failureDetails || {};
  const failure = f.lastFailedAt ? `${fmtTime(f.lastFailedAt)} — ${f.lastFailedStatusCode ? 'HTTP ' + f.lastFailedStatusCode + ': ' : ''}${f.lastFailedReason || ''}` : '—';
  const toggle = w.enabled ? 'Disable' : 'Enable';
  return el('tr', { 'data-id': w.id },
    cell('Name', el('a', { href: '#form/' + encodeURIComponent(w.id) }, w.name), el('br'), el('small', {}, w.id)),
    cell('Status', statusBadge(w.status)),
    el('td', { class: 'url', 'data-label': 'URL' }, w.url),
    el('td', { class: 'wrap', 'data-label': 'Last failure' }, failure),
    cell('Attempts (1 h)', el('span', { class: 'attempts' }, '…')),
    cell('Success (1 h)', el('span', { class: 'rate' }, '…')),
    cell('Actions', el('div', { class: 'buttons' },
      button('Edit', () => nav('form/' + encodeURIComponent(w.id)), { 'aria-label': 'Edit ' + w.name }),
      button('Test', () => test(w), { 'aria-label': 'Test ' + w.name }),
      button(toggle, () => setEnabled(w, !w.enabled), { 'aria-label': toggle + ' ' + w.name }),
      button('Rotate secret', () => rotate(w), { 'aria-label': 'Rotate the secret of ' + w.name }),
      button('Deliveries', () => nav('deliveries/' + encodeURIComponent(w.id)), { 'aria-label': 'Deliveries of ' + w.name }),
      button('Delete', () => remove(w), { class: 'danger', 'aria-label': 'Delete ' + w.name }))));
}

async function lastHour(w) {
  const since = new Date(Date.now() - 3600e3).toISOString();
  const tr = $(`#webhooks-table tr[data-id="${CSS.escape(w.id)}"]`);
  try {
    const [all, ok] = await Promise.all([
      api('GET', '/webhooks/history' + query({ webhookId: w.id, since, pageSize: 1 })),
      api('GET', '/webhooks/history' + query({ webhookId: w.id, since, successOrFailure: 'success', pageSize: 1 })),
    ]);
    $('.attempts', tr).textContent = String(all.count);
    $('.rate', tr).textContent = all.count ? Math.round((100 * ok.count) / all.count) + ' %' : '—';
  } catch {
    $('.attempts', tr).textContent = '?';
    $('.rate', tr).textContent = '?';
  }
}

function result(title, lines) {
  const p = $('#webhook-result');
  p.replaceChildren(el('h3', {}, title), el('pre', {}, lines), button('Close', () => { p.hidden = true; }));
  p.hidden = false;
  p.querySelector('button').focus();
}

async function test(w) {
  try {
    const r = await api('POST', `/webhooks/${encodeURIComponent(w.id)}/test`);
    result(`Test of ${w.name}: ${r.success ? 'success' : 'failure'}`,
      `status: ${r.statusCode}\nlatency: ${r.latencyMs} ms\n${r.error ? 'error: ' + r.error + '\n' : ''}response:\n${r.responseSnippet}`);
  } catch (err) {
    const r = err.body && err.body.result;
    result(`Test of ${w.name}: failure`, r ? `status: ${r.statusCode}\nlatency: ${r.latencyMs} ms\nerror: ${r.error || err.message}\nresponse:\n${r.responseSnippet}` : err.message);
  }
}

async function setEnabled(w, enabled) {
  try {
    await api('PATCH', '/webhooks/' + encodeURIComponent(w.id), { enabled }, 'application/merge-patch+json');
    notice(`${w.name} ${enabled ? 'enabled' : 'disabled'}.`);
  } catch (err) {
    notice(err.message, true);
  }
  load();
}

async function rotate(w) {
  if (!(await confirmAction(`Rotate the signing secret of ${w.name}? The old one keeps signing for the grace period.`, 'Rotate'))) return;
  try {
    const r = await api('POST', `/webhooks/${encodeURIComponent(w.id)}/rotate-secret`);
    showSecret(r.secret, `New signing secret of ${w.name} (the previous one signs until ${fmtTime(r.previousSecretExpiresAt)})`);
  } catch (err) {
    notice(err.message, true);
  }
}

async function remove(w) {
  if (!(await confirmAction(`Delete ${w.name}? Its deliveries stop and it cannot be undone.`, 'Delete'))) return;
  try {
    await api('DELETE', '/webhooks/' + encodeURIComponent(w.id));
    notice(`${w.name} deleted.`);
  } catch (err) {
    notice(err.message, true);
  }
  load();
}
