// The console's shell: sign-in, sign-out and the sections, chosen by the
// URL fragment (#webhooks, #deliveries, …), which never holds the token.

import { api, token, whenUnauthorized } from './api.js';
import { $, $$, notice } from './dom.js';
import { clearErrors, showError } from './errors.js';
import * as webhooks from './webhooks.js';
import * as form from './form.js';
import * as deliveries from './deliveries.js';
import * as recovery from './recovery.js';
import * as explain from './explain.js';

const views = { webhooks, form, deliveries, recovery, explain };
let current = null;

function show(name) {
  if (current && views[current].leave) views[current].leave();
  for (const s of $$('main > section')) s.hidden = s.id !== name + '-view';
  for (const a of $$('#nav a')) {
    if (a.dataset.view === name) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  current = name in views ? name : null;
}

export function go(route) {
  if (location.hash !== '#' + route) location.hash = route;
  else route_();
}

function route_() {
  if (!token.get()) {
    signedOut();
    return;
  }
  const [name, arg] = location.hash.slice(1).split('/');
  const view = views[name] ? name : 'webhooks';
  show(view);
  views[view].enter(arg ? decodeURIComponent(arg) : undefined);
}

function signedOut() {
  show('signin');
  $('#nav').hidden = true;
  $('#sign-out').hidden = true;
  $('#who').textContent = '';
  $('#token-input').focus();
}

async function signIn(ev) {
  ev.preventDefault();
  const f = $('#signin-form');
  clearErrors(f);
  const t = $('#token-input').value.trim();
  if (!t) {
    showError(f, { field: 'token', message: 'Enter an API token.' });
    return;
  }
  token.set(t);
  try {
    await api('GET', '/webhooks?pageSize=1');
  } catch (err) {
    token.clear();
    showError(f, { field: 'token', message: err.status === 401 ? 'That token is not known to the API.' : err.message });
    return;
  }
  $('#token-input').value = '';
  signedIn();
  go(location.hash.slice(1) || 'webhooks');
}

function signedIn() {
  $('#nav').hidden = false;
  $('#sign-out').hidden = false;
  $('#who').textContent = 'signed in';
}

whenUnauthorized(() => {
  token.clear();
  notice('The API refused the token; sign in again.', true);
  signedOut();
});

$('#signin-form').addEventListener('submit', signIn);
$('#sign-out').addEventListener('click', () => {
  token.clear();
  signedOut();
});
window.addEventListener('hashchange', route_);
for (const v of Object.values(views)) if (v.init) v.init({ go });
if (token.get()) signedIn();
route_();
