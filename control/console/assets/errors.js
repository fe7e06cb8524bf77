// Shows an API error next to the form field it names ("url",
// "filters.domains", "headers.X-Key", "webhooks[0].url"), or at the top of
// the form when it names none the form has.

import { $, $$ } from './dom.js';

export function clearErrors(form) {
  for (const p of $$('.field-error', form)) {
    p.textContent = '';
    p.hidden = true;
  }
  for (const i of $$('[aria-invalid]', form)) i.removeAttribute('aria-invalid');
}

function fieldElement(form, field) {
  let f = field.replace(/^webhooks\[\d+\]\./, '');
  while (f) {
    const hit = $$('[name], [data-field]', form).find((e) => e.getAttribute('name') === f || e.dataset.field === f);
    if (hit) return hit;
    const cut = Math.max(f.lastIndexOf('.'), f.lastIndexOf('['));
    f = cut > 0 ? f.slice(0, cut) : '';
  }
  return null;
}

export function showError(form, err) {
  const target = err.field ? fieldElement(form, err.field) : null;
  const text = err.field && !target ? `${err.field}: ${err.message}` : err.message;
  let p;
  if (target) {
    const id = (target.id || target.dataset.field) + '-error';
    p = document.getElementById(id);
    if (!p) {
      p = document.createElement('p');
      p.className = 'field-error';
      p.id = id;
      p.setAttribute('role', 'alert');
      (target.closest('.row') || target.closest('fieldset') || target.parentElement).append(p);
    }
    target.setAttribute('aria-invalid', 'true');
    target.setAttribute('aria-describedby', id);
    if (typeof target.focus === 'function') target.focus();
  } else {
    p = $('.form-error', form) || form.querySelector('.field-error');
  }
  p.textContent = text;
  p.hidden = false;
}
