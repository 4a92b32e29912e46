// /admin/me: my account: change password; API tokens for scripts (create, list, revoke).
import { t, errText, roleName } from '../i18n.js';
import { h, clear, $, field, input, table, showErrors, loading, errorBox, confirmDlg, say, fmtAt } from '../ui.js';
import { get, post, del } from '../api.js';

export function mount(main, _args, ctx) {
  let tokens = null, err = null, gone = false, busy = false;
  let fresh = null; // {id, name, token}: shown once

  async function load() {
    err = null;
    if (!tokens) clear(main, loading());
    try { tokens = await get('/auth/tokens'); } catch (e) { err = e; tokens = tokens || []; }
    if (gone) return;
    render();
    ctx.ready();
  }

  function render() {
    if (gone) return;
    const u = ctx.user();
    ctx.title(t('nav_me'));
    clear(main,
      h('h1', null, t('nav_me')),
      h('p', { id: 'me_info' }, t('me_info', { u: u.username, r: roleName(u.role) }), u.unit_code ? ' · ' + t('f_unit_code') + ': ' + u.unit_code : ''),
      h('section', { class: 'box', 'aria-labelledby': 'pw_h' },
        h('h2', { id: 'pw_h' }, t('pw_h')),
        h('p', { class: 'hint' }, t('pw_intro')),
        h('form', { id: 'pw_form', novalidate: true, onsubmit: changePw, class: 'narrow' },
          h('input', { type: 'text', autocomplete: 'username', value: u.username, hidden: true, readonly: true, 'aria-hidden': 'true', tabindex: '-1', id: 'pw_username' }),
          field({ label: t('pw_current'), path: 'current_password', control: input('pw_current', { type: 'password', autocomplete: 'current-password', required: true }) }),
          field({ label: t('pw_new'), hint: t('h_new_password'), path: 'new_password', control: input('pw_new', { type: 'password', autocomplete: 'new-password', required: true, minlength: 10 }) }),
          field({ label: t('pw_new2'), path: 'new_password2', control: input('pw_new2', { type: 'password', autocomplete: 'new-password', required: true }) }),
          h('p', { class: 'err form-err', id: 'pw_error', role: 'alert' }),
          h('div', { class: 'inline' },
            h('button', { type: 'submit', class: 'btn', id: 'pw_save_btn' }, t('pw_save')),
            h('p', { id: 'pw_status', role: 'status', class: 'save-status' })))),
      h('section', { class: 'box', 'aria-labelledby': 'tok_h' },
        h('h2', { id: 'tok_h' }, t('tok_h')),
        h('p', { class: 'hint' }, t('tok_intro')),
        fresh && h('div', { class: 'box ok-box', id: 'new_token', role: 'status' },
          h('p', null, h('strong', null, t('tok_new', { x: fresh.name }))),
          h('p', null, t('tok_once')),
          h('div', { class: 'inline' },
            h('label', { for: 'new_token_value', class: 'sr-only' }, t('tok_value')),
            h('input', { id: 'new_token_value', type: 'text', readonly: true, value: fresh.token, class: 'mono grow', spellcheck: 'false', onfocus: (e) => e.target.select() }),
            h('button', { type: 'button', class: 'btn btn-2 btn-sm', id: 'copy_token_btn', onclick: copyToken }, t('copy'))),
          h('p', { class: 'hint' }, t('tok_usage'), ' ', h('code', { class: 'code' }, 'Authorization: Bearer …'))),
        h('form', { id: 'token_form', novalidate: true, onsubmit: createToken, class: 'inline-form' },
          field({ label: t('tok_name'), hint: t('h_tok_name'), path: 'name', control: input('token_name', { maxlength: 100, required: true }) }),
          h('button', { type: 'submit', class: 'btn', id: 'token_create_btn' }, t('tok_create'))),
        h('p', { id: 'token_status', role: 'status', class: 'save-status' }),
        err ? errorBox(err, load) : tokens.length ? table('tokens_table', t('tok_list'), [t('tok_name'), t('created_at'), t('actions')],
          tokens.map((k) => h('tr', { 'data-id': k.id },
            h('td', null, k.name || '—', ' ', h('code', { class: 'code hint' }, k.id.slice(0, 8))),
            h('td', null, fmtAt(k.created_at)),
            h('td', { class: 'acts' }, h('button', { type: 'button', class: 'btn btn-2 btn-sm btn-danger-2', 'data-action': 'revoke', 'aria-label': t('revoke_x', { x: k.name || k.id }), onclick: () => revoke(k) }, t('revoke'))))))
          : h('p', { class: 'muted', id: 'no_tokens' }, t('no_tokens'))));
  }

  async function changePw(e) {
    e.preventDefault();
    if (busy) return;
    const form = $('#pw_form');
    const cur = $('#pw_current').value, n1 = $('#pw_new').value, n2 = $('#pw_new2').value;
    const errs = {};
    if (!cur) errs.current_password = 'required';
    if (!n1) errs.new_password = 'required';
    else if (n1 !== n2) errs.new_password2 = 'pw_mismatch';
    showErrors(form, errs);
    $('#pw_error').textContent = '';
    say($('#pw_status'), '', '');
    if (Object.keys(errs).length) { form.querySelector('[aria-invalid]').focus(); return; }
    busy = true;
    try {
      await post('/auth/password', { current_password: cur, new_password: n1 });
      form.reset();
      say($('#pw_status'), t('pw_changed'), 'ok');
    } catch (ex) {
      if (ex.code === 'invalid_credentials') { showErrors(form, { current_password: 'wrong_password' }); $('#pw_current').focus(); }
      else if (ex.fields) { const f = {}; for (const [k, v] of Object.entries(ex.fields)) f[k === 'password' ? 'new_password' : k] = v; showErrors(form, f); const c = form.querySelector('[aria-invalid]'); if (c) c.focus(); }
      else $('#pw_error').textContent = errText(ex);
    } finally { busy = false; }
  }

  async function createToken(e) {
    e.preventDefault();
    if (busy) return;
    const form = $('#token_form');
    const name = $('#token_name').value.trim();
    if (!name) { showErrors(form, { name: 'required' }); $('#token_name').focus(); return; }
    showErrors(form, {});
    busy = true;
    try {
      fresh = await post('/auth/tokens', { name });
      tokens = await get('/auth/tokens');
      if (gone) return;
      render();
      $('#new_token_value').focus();
    } catch (ex) {
      if (ex.fields) { showErrors(form, ex.fields); $('#token_name').focus(); } else say($('#token_status'), errText(ex), 'err');
    } finally { busy = false; }
  }

  async function copyToken() {
    const inp = $('#new_token_value');
    try { await navigator.clipboard.writeText(inp.value); say($('#token_status'), t('copied'), 'ok'); } catch {
      inp.select();
      say($('#token_status'), t('copy_manually'), '');
    }
  }

  async function revoke(k) {
    const ok = await confirmDlg({ title: t('revoke_q', { x: k.name || k.id }), body: h('p', null, t('revoke_expl')), ok: t('revoke'), danger: true });
    if (!ok) return;
    try {
      await del('/auth/tokens/' + encodeURIComponent(k.id));
      if (fresh && fresh.id === k.id) fresh = null;
      tokens = await get('/auth/tokens');
      if (gone) return;
      render();
      say($('#token_status'), t('revoked', { x: k.name || k.id }), 'ok');
      $('#token_name').focus();
    } catch (ex) { say($('#token_status'), errText(ex), 'err'); }
  }

  load();
  return { onLang: () => tokens && render(), unmount() { gone = true; fresh = null; } };
}
