// Building the page from data: every value goes in as text (textContent or
// a text node), never as HTML, so a payload cannot become markup.

export const $ = (sel, root = document) => root.querySelector(sel);
export const $$ = (sel, root = document) => [...root.querySelectorAll(sel)];

// el makes an element; attrs are set as attributes (on* handlers are
// refused: behaviour is attached with addEventListener), children are
// nodes or text.
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) throw new Error('el: no inline handlers');
    e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

export function button(label, onClick, attrs = {}) {
  const b = el('button', { type: 'button', ...attrs }, label);
  b.addEventListener('click', onClick);
  return b;
}

// cell is a table cell labelled for the stacked phone layout.
export function cell(label, ...children) {
  return el('td', { 'data-label': label }, ...children);
}

export function statusBadge(status) {
  return el('span', { class: 'status status-' + status }, status);
}

export function fmtTime(t) {
  if (!t) return '';
  const d = new Date(t);
  return isNaN(d) ? String(t) : d.toLocaleString();
}

// toISO reads a datetime-local input (local time) as RFC 3339.
export function toISO(v) {
  if (!v) return '';
  const d = new Date(v);
  return isNaN(d) ? '' : d.toISOString();
}

// toLocalInput writes a Date into a datetime-local input.
export function toLocalInput(d) {
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

export function pretty(v) {
  if (v === undefined || v === null || v === '') return '';
  if (typeof v === 'string') {
    try { return JSON.stringify(JSON.parse(v), null, 2); } catch { return v; }
  }
  return JSON.stringify(v, null, 2);
}

let noticeTimer;
export function notice(text, bad = false) {
  const n = $('#notice');
  n.textContent = text;
  n.classList.toggle('bad', bad);
  n.hidden = false;
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(() => { n.hidden = true; }, 8000);
}

// confirmAction asks in a modal dialog; it resolves true on Confirm.
export function confirmAction(text, okLabel = 'Confirm') {
  const d = $('#confirm-dialog');
  $('#confirm-text').textContent = text;
  $('#confirm-ok').textContent = okLabel;
  return new Promise((resolve) => {
    const done = (ok) => () => {
      d.close();
      $('#confirm-ok').removeEventListener('click', yes);
      $('#confirm-cancel').removeEventListener('click', no);
      d.removeEventListener('cancel', no);
      resolve(ok);
    };
    const yes = done(true), no = done(false);
    $('#confirm-ok').addEventListener('click', yes);
    $('#confirm-cancel').addEventListener('click', no);
    d.addEventListener('cancel', no);
    d.showModal();
    $('#confirm-cancel').focus();
  });
}
