// /admin/staff: staff accounts (admins only): list, create, disable/enable, reset password.
import { t, errText, roleName } from '../i18n.js';
import { h, clear, $, field, input, select, table, showErrors, loading, errorBox, confirmDlg, say, fmtAt, link } from '../ui.js';
import { get, post, patch } from '../api.js';

const ROLES = ['admin', 'organizer', 'unit_manager'];

/** A random password of 16 letters and digits (never only digits). */
export function randomPassword() {
  const abc = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  const b = crypto.getRandomValues(new Uint8Array(16));
  return [...b].map((x) => abc[x % abc.length]).join('') + 'x';
}

export function mount(main, _args, ctx) {
  let list = null, err = null, gone = false, busy = false;

  async function load() {
    err = null;
    if (!list) clear(main, loading());
    try { list = await get('/admin/staff'); } catch (e) { err = e; }
    if (!gone) render();
  }

  function render() {
    if (gone) return;
    ctx.title(t('nav_staff'));
    if (err && !list) return clear(main, h('h1', null, t('nav_staff')), errorBox(err, load));
    const me = ctx.user().username;
    const roleVal = $('#staff_role') ? $('#staff_role').value : 'organizer';
    clear(main,
      h('h1', null, t('nav_staff')),
      h('p', { class: 'hint' }, t('staff_intro')),
      h('section', { class: 'box', 'aria-labelledby': 'staff_list_h' },
        h('h2', { id: 'staff_list_h' }, t('staff_list')),
        h('p', { id: 'staff_status', role: 'status', class: 'save-status' }),
        table('staff_table', t('staff_list'), [t('f_username'), t('f_role'), t('f_unit_code'), t('st_state'), t('created_at'), t('actions')],
          list.map((s) => h('tr', { 'data-username': s.username, class: s.active ? '' : 'row-off' },
            h('td', null, h('strong', null, s.username), s.username === me ? h('span', { class: 'hint' }, ' (', t('you'), ')') : null),
            h('td', null, roleName(s.role)),
            h('td', null, s.unit_code || '—'),
            h('td', null, s.active ? h('span', { class: 'badge b-open' }, t('acc_active')) : h('span', { class: 'badge b-closed' }, t('acc_disabled'))),
            h('td', null, fmtAt(s.created_at)),
            h('td', { class: 'acts' },
              s.username !== me && h('button', { type: 'button', class: 'btn btn-2 btn-sm' + (s.active ? ' btn-danger-2' : ''), 'data-action': 'toggle', 'aria-label': t(s.active ? 'disable_x' : 'enable_x', { x: s.username }), onclick: () => toggle(s) }, s.active ? t('disable') : t('enable')),
              s.username === me ? link('/admin/me', t('change_own_pw'), { class: 'btn btn-2 btn-sm', id: 'own_pw_link' })
                : h('button', { type: 'button', class: 'btn btn-2 btn-sm', 'data-action': 'reset', 'aria-label': t('reset_pw_x', { x: s.username }), onclick: () => resetPw(s) }, t('reset_pw'))))))),
      h('section', { class: 'box', 'aria-labelledby': 'staff_new_h' },
        h('h2', { id: 'staff_new_h' }, t('staff_new')),
        h('form', { id: 'staff_form', novalidate: true, onsubmit: create },
          h('div', { class: 'grid2' },
            field({ label: t('f_username'), hint: t('h_username'), path: 'username', control: input('staff_username', { autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false', maxlength: 64, required: true }) }),
            field({ label: t('f_role'), hint: t('h_role'), path: 'role', control: select('staff_role', ROLES.map((r) => [r, roleName(r)]), roleVal, { onchange: syncUnit }) }),
            field({ label: t('f_unit_code'), hint: t('h_unit_code'), path: 'unit_code', cls: 'unit-field', control: input('staff_unit', { autocapitalize: 'characters', spellcheck: 'false', maxlength: 64 }) }),
            field({ label: t('f_password'), hint: t('h_new_password'), path: 'password', control: input('staff_password', { type: 'text', autocomplete: 'new-password', spellcheck: 'false', class: 'mono' }),
              after: h('button', { type: 'button', class: 'linkish', id: 'staff_gen_pw_btn', onclick: () => { $('#staff_password').value = randomPassword(); $('#staff_password').focus(); } }, t('generate_pw')) })),
          h('p', { class: 'err form-err', id: 'staff_form_error', role: 'alert' }),
          h('div', { class: 'inline' },
            h('button', { type: 'submit', class: 'btn', id: 'staff_create_btn' }, t('staff_create')),
            h('p', { id: 'staff_create_status', role: 'status', class: 'save-status' })))));
    syncUnit();
    ctx.ready();
  }

  function syncUnit() {
    const um = $('#staff_role').value === 'unit_manager';
    $('#staff_unit').closest('.field').hidden = !um;
    $('#staff_unit').required = um;
  }

  async function create(e) {
    e.preventDefault();
    if (busy) return;
    const form = $('#staff_form');
    const body = { username: $('#staff_username').value.trim(), role: $('#staff_role').value, password: $('#staff_password').value };
    if (body.role === 'unit_manager') body.unit_code = $('#staff_unit').value.trim();
    const errs = {};
    if (!body.username) errs.username = 'required';
    if (!body.password) errs.password = 'required';
    if (body.role === 'unit_manager' && !body.unit_code) errs.unit_code = 'required';
    showErrors(form, errs);
    $('#staff_form_error').textContent = '';
    if (Object.keys(errs).length) { form.querySelector('[aria-invalid]').focus(); return; }
    busy = true;
    try {
      await post('/admin/staff', body);
      list = await get('/admin/staff');
      if (gone) return;
      render();
      say($('#staff_create_status'), t('staff_created', { x: body.username, p: body.password }), 'ok');
      $('#staff_username').focus();
    } catch (ex) {
      const fields = ex.code === 'username_taken' ? { username: 'username_taken' } : ex.fields;
      if (fields) { showErrors(form, fields); const c = form.querySelector('[aria-invalid]'); if (c) c.focus(); } else $('#staff_form_error').textContent = errText(ex);
    } finally { busy = false; }
  }

  async function toggle(s) {
    if (s.active) {
      const ok = await confirmDlg({ title: t('disable_q', { x: s.username }), body: h('p', null, t('disable_expl')), ok: t('disable'), danger: true });
      if (!ok) return;
    }
    try {
      await patch('/admin/staff/' + encodeURIComponent(s.username), { active: !s.active });
      list = await get('/admin/staff');
      if (gone) return;
      render();
      say($('#staff_status'), t(s.active ? 'disabled_x' : 'enabled_x', { x: s.username }), 'ok');
      const b = $(`tr[data-username="${CSS.escape(s.username)}"] [data-action=toggle]`);
      if (b) b.focus();
    } catch (ex) { say($('#staff_status'), errText(ex), 'err'); }
  }

  async function resetPw(s) {
    const pw = randomPassword();
    const ok = await confirmDlg({
      title: t('reset_pw_q', { x: s.username }),
      body: [h('p', null, t('reset_pw_expl')),
        h('div', { class: 'field' }, h('label', { for: 'reset_pw_value' }, t('new_password')),
          h('input', { id: 'reset_pw_value', type: 'text', class: 'mono', value: pw, autocomplete: 'off', spellcheck: 'false' }))],
      ok: t('reset_pw'),
      read: (dlg) => dlg.querySelector('#reset_pw_value').value || pw,
    });
    if (!ok) return;
    const chosen = ok;
    try {
      await patch('/admin/staff/' + encodeURIComponent(s.username), { password: chosen });
      say($('#staff_status'), t('pw_reset_done', { x: s.username, p: chosen }), 'ok');
    } catch (ex) {
      const code = ex.fields && (ex.fields.password || Object.values(ex.fields)[0]);
      say($('#staff_status'), code ? t('pw_problem') + ' ' + t('f_' + code) : errText(ex), 'err');
    }
  }

  load();
  return { onLang: () => (list || err) && render(), unmount() { gone = true; } };
}
