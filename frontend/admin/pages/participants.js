// /admin/c/{slug}/participants: search the contest's participants (name with or without
// diacritics, phone, national ID), filter by unit and eligibility, page through them, and
// (admins, organizers) view one participant's whole record (the view is audited), mark one
// ineligible for prizes with a reason, or restore them. Phones come masked by the server for
// every role (`09xx xxx 678`). Unit managers: their own unit, search by name only, read-only.
import { t, errText, fieldText } from '../i18n.js';
import {
  h, clear, $, field, select, table, showErrors, loading, errorBox, contestHead, confirmDlg, say, num, fmtAt,
  UNIT_MANAGER_TABS,
} from '../ui.js';
import { get, patch, adm, contestOf } from '../api.js';

const PER_PAGE = ['20', '50', '100', '200'];
const REASON_MAX = 500;
// A unit manager may search names only: the server refuses any digit (422 `q`: `name_only`).
const HAS_DIGIT = /\p{N}/u;

export function mount(main, [slug], ctx) {
  const user = ctx.user();
  const manager = user.role === 'unit_manager';
  const canEdit = !manager;
  const sp = new URLSearchParams(location.search);
  // The search lives in the address, so reloading or going back keeps it.
  const F = {
    q: sp.get('q') || '',
    unit: manager ? '' : sp.get('unit') || '',
    eligible: ['true', 'false'].includes(sp.get('eligible')) ? sp.get('eligible') : '',
    page: Math.max(1, parseInt(sp.get('page'), 10) || 1),
    per_page: PER_PAGE.includes(sp.get('per_page')) ? sp.get('per_page') : '50',
  };
  let info = null; // {title, timezone, categories: Map(code → name)}
  let units = [];
  let data = null, err = null, listErr = null, gone = false, seq = 0;
  let qProblem = null; // a field code for `q` (`name_only`, `too_long`), shown by the box

  async function loadInfo() {
    if (!manager) {
      try {
        const c = await contestOf(slug);
        return { title: c.title, timezone: c.timezone, categories: new Map((c.categories || []).map((x) => [x.code, x.name])) };
      } catch (e) {
        if (e.status !== 403) throw e;
      }
    }
    // Unit managers may not read the settings: the public page has what is shown here.
    try {
      const c = await get('/contests/' + encodeURIComponent(slug));
      return { title: c.title, timezone: c.timezone, categories: new Map((c.categories || []).map((x) => [x.code, x.name])) };
    } catch {
      return { title: slug, timezone: '', categories: new Map() };
    }
  }

  async function load() {
    err = null;
    clear(main, loading());
    try {
      const [i, u] = await Promise.all([loadInfo(), get(adm(slug, '/units')).catch(() => [])]);
      info = i; units = u || [];
      await fetchPage();
    } catch (e) { err = e; }
    if (gone) return;
    render();
    ctx.ready();
  }

  function keepInAddress() {
    const p = new URLSearchParams();
    if (F.q.trim()) p.set('q', F.q.trim());
    if (F.unit) p.set('unit', F.unit);
    if (F.eligible) p.set('eligible', F.eligible);
    if (F.page > 1) p.set('page', String(F.page));
    if (F.per_page !== '50') p.set('per_page', F.per_page);
    const s = p.toString();
    history.replaceState(null, '', location.pathname + (s ? '?' + s : ''));
  }

  /** Fetches the current page; false when a newer request overtook this one. */
  async function fetchPage() {
    const my = ++seq;
    qProblem = manager && HAS_DIGIT.test(F.q) ? 'name_only' : null;
    if (qProblem) {
      // Nothing to ask: the list stays as it was, the box says why.
      if (!data) data = { total: 0, page: F.page, per_page: Number(F.per_page), items: [] };
      return true;
    }
    try {
      const r = await get(adm(slug, '/participants'), { q: F.q.trim(), unit: F.unit, eligible: F.eligible, page: F.page, per_page: F.per_page });
      if (my !== seq) return false;
      // A page past the end (after a change elsewhere): go to the last one.
      const last = Math.max(1, Math.ceil(r.total / r.per_page));
      if (r.total && F.page > last) { F.page = last; return fetchPage(); }
      data = r; listErr = null;
    } catch (e) {
      if (my !== seq) return false;
      if (e.fields && e.fields.q) {
        qProblem = e.fields.q;
        listErr = null;
      } else {
        listErr = e;
      }
      if (!data) data = { total: 0, page: F.page, per_page: Number(F.per_page), items: [] };
    }
    keepInAddress();
    return true;
  }

  // Typing waits for a pause; any other change fetches at once (and drops a pending search,
  // which the fetch covers).
  let typing = 0;
  async function refresh(focusId) {
    clearTimeout(typing);
    if (await fetchPage()) redraw(focusId);
  }
  function refreshSoon() {
    clearTimeout(typing);
    typing = setTimeout(() => { F.page = 1; refresh(); }, 300);
  }

  // ---------- page ----------
  function render() {
    if (gone) return;
    const title = info ? info.title : slug;
    ctx.title(t('part_h') + ' – ' + title);
    const head = contestHead(slug, 'participants', title, manager ? { only: UNIT_MANAGER_TABS } : undefined);
    if (err) return clear(main, head, h('h1', null, t('part_h')), errorBox(err, load));
    clear(main,
      head,
      h('h1', null, t('part_h')),
      h('p', { class: 'hint', id: 'part_intro' }, t(manager ? 'part_intro_manager' : 'part_intro')),
      manager && h('p', { class: 'box note', id: 'part_manager_note' }, t('part_manager_note', { u: user.unit_code || '—' })),
      h('section', { class: 'box', 'aria-labelledby': 'part_list_h' },
        h('h2', { id: 'part_list_h', class: 'sr-only' }, t('part_list')),
        filters(),
        h('p', { id: 'part_status', role: 'status', class: 'save-status' }),
        h('div', { id: 'part_host' }, listBody())));
    showQProblem();
  }

  /** Shows (or clears) the search box's error. */
  function showQProblem() {
    const form = $('#part_filters');
    if (form) showErrors(form, qProblem ? { q: qProblem } : {});
  }

  function filters() {
    const unitCtl = manager
      ? h('p', { id: 'part_unit_fixed' }, unitLabel(user.unit_code))
      : select('part_unit', [['', t('part_all_units')], ...units.map((u) => [u.code, u.code + ' – ' + u.name])], F.unit,
        { 'aria-controls': 'part_table', onchange: (e) => { F.unit = e.target.value; F.page = 1; refresh(); } });
    return h('form', { class: 'filters', role: 'search', id: 'part_filters', onsubmit: (e) => { e.preventDefault(); F.page = 1; refresh(); } },
      field({ cls: 'grow', label: t('part_search'), hint: t(manager ? 'part_search_hint_manager' : 'part_search_hint'), path: 'q',
        control: h('input', { type: 'search', id: 'part_q', name: 'q', value: F.q, autocomplete: 'off', maxlength: 200, spellcheck: 'false', 'aria-controls': 'part_table',
          oninput: (e) => { F.q = e.target.value; refreshSoon(); },
          onchange: (e) => { if (e.target.value !== F.q) { F.q = e.target.value; refreshSoon(); } } }) }),
      manager
        ? h('div', { class: 'field' }, h('p', { class: 'lbl-text' }, t('part_unit')), unitCtl)
        : field({ label: t('part_unit'), path: 'unit', control: unitCtl }),
      field({ label: t('part_eligible'), path: 'eligible',
        control: select('part_eligible', [['', t('all')], ['true', t('part_eligible_only')], ['false', t('part_ineligible_only')]], F.eligible,
          { 'aria-controls': 'part_table', onchange: (e) => { F.eligible = e.target.value; F.page = 1; refresh(); } }) }),
      field({ label: t('part_per_page'), path: 'per_page',
        control: select('part_per_page', PER_PAGE.map((n) => [n, n]), F.per_page,
          { onchange: (e) => { F.per_page = e.target.value; F.page = 1; refresh(); } }) }));
  }

  function unitLabel(code) {
    const u = units.find((x) => x.code === code);
    return u ? u.code + ' – ' + u.name : code || '—';
  }

  function pages() {
    return Math.max(1, Math.ceil(data.total / data.per_page));
  }

  function listBody() {
    if (listErr) return errorBox(listErr, () => refresh(), 'list_error');
    if (qProblem) return h('p', { class: 'muted', id: 'part_q_refused' }, fieldText(qProblem));
    const filtered = F.q.trim() || F.unit || F.eligible;
    return [
      h('p', { id: 'part_count', class: 'hint', role: 'status', 'data-total': data.total },
        data.total ? t('part_count', { n: num(data.total), p: data.page, of: num(pages()) }) : ''),
      data.items.length
        ? participantTable()
        : h('p', { class: 'muted', id: 'no_participants' }, filtered ? t('part_no_match') : t('part_none')),
      pager(),
    ];
  }

  function participantTable() {
    const cols = [t('part_name'), t('part_phone'), t('part_birth_year'), t('part_unit'), t('part_category'), t('part_registered_at'),
      t('part_attempts'), t('part_best'), t('part_state')];
    if (canEdit) cols.push(t('actions'));
    return table('part_table', t('part_list'), cols, data.items.map((p) => h('tr', { 'data-id': p.id, 'data-eligible': String(p.eligible), class: p.eligible ? '' : 'row-off' },
      h('td', null, h('strong', null, p.full_name)),
      // Masked by the server (`09xx xxx 678`); the whole number only in the detail.
      h('td', { class: 'nowrap' }, h('span', { class: 'code', 'data-phone': '' }, p.phone)),
      h('td', { class: 'num' }, p.birth_year),
      h('td', null, h('span', { class: 'code' }, p.unit_code), ' ', p.unit_name),
      h('td', null, p.category ? info.categories.get(p.category) || p.category : '—'),
      h('td', { class: 'nowrap' }, fmtAt(p.registered_at, info.timezone)),
      h('td', { class: 'num' }, num(p.attempts_finished)),
      h('td', { class: 'num' }, p.best_score == null ? '—' : num(p.best_score)),
      h('td', null, p.eligible
        ? h('span', { class: 'badge b-open' }, t('part_is_eligible'))
        : [h('span', { class: 'badge b-bad' }, t('part_is_ineligible')), h('p', { class: 'hint', 'data-reason': '' }, p.ineligible_reason || '')]),
      canEdit && h('td', { class: 'acts' },
        h('button', { type: 'button', class: 'btn btn-2 btn-sm', id: 'part_view_' + p.id, 'data-action': 'view',
          'aria-label': t('part_view_x', { x: p.full_name }), onclick: () => viewDetail(p) }, t('part_view')),
        ' ',
        p.eligible
        ? h('button', { type: 'button', class: 'btn btn-2 btn-sm btn-danger-2', id: 'part_mark_' + p.id, 'data-action': 'mark',
          'aria-label': t('part_mark_x', { x: p.full_name }), onclick: () => markIneligible(p) }, t('part_mark'))
        : h('button', { type: 'button', class: 'btn btn-2 btn-sm', id: 'part_restore_' + p.id, 'data-action': 'restore',
          'aria-label': t('part_restore_x', { x: p.full_name }), onclick: () => restore(p) }, t('part_restore'))))));
  }

  function pager() {
    if (data.total <= data.per_page) return null;
    const n = pages();
    const go = (to, id) => { F.page = to; refresh(id); };
    return h('nav', { class: 'inline', id: 'part_pager', 'aria-label': t('part_pages') },
      h('button', { type: 'button', class: 'btn btn-2 btn-sm', id: 'part_prev_btn', disabled: F.page <= 1, onclick: () => go(F.page - 1, 'part_prev_btn') }, t('part_prev')),
      h('span', { id: 'part_page_of' }, t('part_page_of', { p: F.page, of: num(n) })),
      h('button', { type: 'button', class: 'btn btn-2 btn-sm', id: 'part_next_btn', disabled: F.page >= n, onclick: () => go(F.page + 1, 'part_next_btn') }, t('part_next')));
  }

  function redraw(focusId) {
    if (gone || !$('#part_host')) return;
    clear($('#part_host'), listBody());
    showQProblem();
    const el = focusId && $('#' + focusId);
    if (el && !el.disabled) el.focus();
    else if (focusId) { const c = $('#part_count'); if (c) { c.tabIndex = -1; c.focus(); } }
  }

  /** Replaces one participant's row with what the server answered. */
  function replaceRow(row) {
    data.items = data.items.map((p) => (p.id === row.id ? row : p));
    redraw();
  }

  // ---------- one whole record (admins, organizers; the server logs every view) ----------
  async function viewDetail(p) {
    const back = document.activeElement;
    const btn = $('#part_view_' + p.id);
    if (btn) btn.disabled = true;
    let d;
    try {
      d = await get(adm(slug, '/participants/' + encodeURIComponent(p.id)));
    } catch (ex) {
      say($('#part_status'), errText(ex), 'err');
      return;
    } finally {
      if (btn && btn.isConnected) btn.disabled = false;
    }
    if (gone) return;
    const close = () => {
      if (dlg.open) dlg.close();
      dlg.remove();
      const again = $('#part_view_' + p.id);
      (again || (back && back.isConnected ? back : $('#part_q'))).focus();
    };
    const gender = d.gender ? t('part_gender_' + d.gender) : '—';
    const row = (key, label, value, cls) => h('div', null,
      h('dt', null, label),
      h('dd', { id: 'part_detail_' + key, class: cls || null }, value == null || value === '' ? '—' : String(value)));
    const dlg = h('dialog', { id: 'part_detail_dialog', class: 'dlg dlg-wide', 'aria-labelledby': 'part_detail_h', 'aria-describedby': 'part_detail_note' },
      h('h2', { id: 'part_detail_h' }, t('part_detail_h', { x: d.full_name })),
      h('p', { class: 'box note', id: 'part_detail_note' }, t('part_detail_note')),
      h('dl', { class: 'facts', id: 'part_detail' },
        row('full_name', t('part_name'), d.full_name),
        row('phone', t('part_phone'), d.phone, 'code'),
        row('national_id', t('part_national_id'), d.national_id, 'code'),
        row('birth_year', t('part_birth_year'), d.birth_year),
        row('gender', t('part_gender'), gender),
        row('address', t('part_address'), d.address),
        row('unit', t('part_unit'), d.unit_code + ' – ' + d.unit_name),
        row('category', t('part_category'), d.category ? info.categories.get(d.category) || d.category : null),
        row('registered_at', t('part_registered_at'), fmtAt(d.registered_at, info.timezone)),
        row('attempts', t('part_attempts'), num(d.attempts_finished)),
        row('best', t('part_best'), d.best_score == null ? null : num(d.best_score)),
        row('state', t('part_state'), d.eligible ? t('part_is_eligible') : t('part_is_ineligible') + (d.ineligible_reason ? ' – ' + d.ineligible_reason : ''))),
      h('div', { class: 'navrow' },
        h('button', { type: 'button', class: 'btn', id: 'part_detail_close_btn', onclick: close }, t('close'))));
    dlg.addEventListener('cancel', (e) => { e.preventDefault(); close(); });
    document.body.append(dlg);
    dlg.showModal();
    $('#part_detail_close_btn', dlg).focus();
  }

  // ---------- marking ----------
  function markIneligible(p) {
    const back = document.activeElement;
    let busy = false;
    const close = () => {
      if (dlg.open) dlg.close();
      dlg.remove();
      const again = $('#part_restore_' + p.id) || $('#part_mark_' + p.id);
      (again || (back && back.isConnected ? back : $('#part_q'))).focus();
    };
    const reason = h('textarea', { id: 'part_reason', name: 'ineligible_reason', rows: 3, maxlength: REASON_MAX, required: true });
    const counter = h('p', { class: 'hint', id: 'part_reason_count', 'aria-live': 'polite' }, t('part_reason_count', { n: 0, max: REASON_MAX }));
    reason.addEventListener('input', () => {
      counter.textContent = t('part_reason_count', { n: reason.value.length, max: REASON_MAX });
      if (reason.value.trim() && reason.getAttribute('aria-invalid')) showErrors($('#part_mark_form', dlg), {});
    });
    async function submit(e) {
      e.preventDefault();
      if (busy) return;
      const text = reason.value.trim();
      const form = $('#part_mark_form', dlg);
      if (!text) { showErrors(form, { ineligible_reason: 'required' }); reason.focus(); return; }
      if (text.length > REASON_MAX) { showErrors(form, { ineligible_reason: 'too_long' }); reason.focus(); return; }
      showErrors(form, {});
      busy = true;
      $('#part_mark_ok_btn', dlg).disabled = true;
      say($('#part_mark_error', dlg), '', '');
      try {
        const row = await patch(adm(slug, '/participants/' + encodeURIComponent(p.id)), { eligible: false, ineligible_reason: text });
        close();
        if (gone) return;
        replaceRow(row);
        say($('#part_status'), t('part_marked', { x: row.full_name }), 'ok');
      } catch (ex) {
        busy = false;
        $('#part_mark_ok_btn', dlg).disabled = false;
        if (ex.fields) { showErrors(form, ex.fields); reason.focus(); } else say($('#part_mark_error', dlg), errText(ex), 'err');
      }
    }
    const dlg = h('dialog', { id: 'part_mark_dialog', class: 'dlg dlg-wide', 'aria-labelledby': 'part_mark_h', 'aria-describedby': 'part_mark_expl' },
      h('form', { id: 'part_mark_form', novalidate: true, onsubmit: submit },
        h('h2', { id: 'part_mark_h' }, t('part_mark_h', { x: p.full_name })),
        h('p', { id: 'part_mark_expl' }, t('part_mark_expl')),
        field({ label: t('part_reason'), hint: t('part_reason_hint'), path: 'ineligible_reason', control: reason, after: counter }),
        h('p', { class: 'err form-err', id: 'part_mark_error', role: 'alert' }),
        h('div', { class: 'navrow' },
          h('button', { type: 'button', class: 'btn btn-2', id: 'part_mark_cancel_btn', onclick: close }, t('cancel')),
          h('button', { type: 'submit', class: 'btn btn-danger', id: 'part_mark_ok_btn' }, t('part_mark')))));
    dlg.addEventListener('cancel', (e) => { e.preventDefault(); close(); });
    document.body.append(dlg);
    dlg.showModal();
    reason.focus();
  }

  async function restore(p) {
    const ok = await confirmDlg({
      title: t('part_restore_h', { x: p.full_name }),
      body: [h('p', null, t('part_restore_expl')), p.ineligible_reason && h('p', { class: 'hint' }, t('part_reason'), ': ', p.ineligible_reason)],
      ok: t('part_restore'),
    });
    if (!ok) return;
    try {
      const row = await patch(adm(slug, '/participants/' + encodeURIComponent(p.id)), { eligible: true });
      if (gone) return;
      replaceRow(row);
      say($('#part_status'), t('part_restored', { x: row.full_name }), 'ok');
      const b = $('#part_mark_' + p.id);
      if (b) b.focus();
    } catch (ex) {
      say($('#part_status'), errText(ex), 'err');
    }
  }

  load();
  return { onLang: () => (data || err) && render(), unmount() { gone = true; clearTimeout(typing); } };
}
