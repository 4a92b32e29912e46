// "/c/{slug}": contest home, registration, and the participant's own panel.
import { api, getContest, getToken, setToken, ApiError } from '../api.js';
import { h, clear, $ } from '../util/dom.js';
import { t, lang, fieldText, errText } from '../i18n.js';
import { fmtDate, fmtLeft, fmtDur, serverNow } from '../util/time.js';
import { fold, matches } from '../util/fold.js';
import { errorBox, badge, loading, link } from '../ui.js';

const units = new Map(); // slug -> units list, kept between visits
const FIELDS = ['full_name', 'phone', 'birth_year', 'national_id', 'gender', 'unit_id', 'category', 'address', 'pin', 'consent'];

export function mount(main, [slug], ctx) {
  const S = { c: null, err: null, me: null, meErr: null, units: units.get(slug) || null, unitsErr: null, form: {}, fe: {}, formErr: null, busy: false, startErr: null, winners: false, board: null, boardOff: false };
  let gone = false, tick = 0, poll = 0;
  const base = '/c/' + encodeURIComponent(slug);
  const num = (n) => (n == null ? '–' : Number(n).toLocaleString(lang() === 'en' ? 'en-GB' : 'vi-VN'));
  const token = () => getToken(slug);

  async function init() {
    S.err = null; S.c = null; render();
    try {
      S.c = await getContest(slug, true);
    } catch (e) { S.err = e; return render(); }
    if (gone) return;
    ctx.header();
    loadWinners();
    loadBoard();
    if (token()) await loadMe();
    if (!token()) loadUnits();
    render();
    ctx.ready();
  }

  async function loadMe() {
    S.meErr = null;
    try {
      S.me = (await api('GET', base.replace('/c/', '/contests/') + '/me', { token: token() })).data;
    } catch (e) {
      if (e.status === 401 || e.status === 403 || e.status === 404) { setToken(slug, null); S.me = null; } else S.meErr = e;
    }
  }

  async function loadUnits() {
    if (S.units) return;
    S.unitsErr = null;
    try {
      const { data } = await api('GET', '/contests/' + encodeURIComponent(slug) + '/units');
      S.units = (data || []).map((u) => ({ ...u, f: fold(u.name + ' ' + u.code) }));
      units.set(slug, S.units);
    } catch (e) { S.unitsErr = e; }
    if (!gone && $('#unit_id')) { saveForm(); render(); }
  }

  // ---------- published winners and the public live leaderboard ----------
  async function loadWinners() {
    try {
      const { data } = await api('GET', '/contests/' + encodeURIComponent(slug) + '/winners');
      S.winners = Array.isArray(data) && data.length > 0;
    } catch { S.winners = false; /* 404 not_published: nothing to link to */ }
    if (!gone) drawExtras();
  }

  /** The organizers may turn the board off (404 leaderboard_disabled): then it is simply not shown. */
  async function loadBoard() {
    if (S.c && S.c.public_leaderboard === true) S.boardOff = false;
    if (S.boardOff || (S.c && S.c.public_leaderboard === false)) { S.board = null; return drawExtras(); }
    const q = S.c && S.c.current_round ? '?round=' + encodeURIComponent(S.c.current_round) : '';
    try {
      S.board = (await api('GET', '/contests/' + encodeURIComponent(slug) + '/leaderboard' + q)).data;
    } catch (e) {
      if (e.status === 404 || e.status === 403) { S.board = null; S.boardOff = true; }
      // Otherwise keep what was shown; the next refresh tries again.
    }
    if (!gone) drawExtras();
  }

  function drawExtras() {
    const wl = $('#winners_link_host');
    if (wl) clear(wl, S.winners && h('p', { class: 'winners-link' }, link(base + '/winners', t('see_winners'), { id: 'winners_link', class: 'btn btn-2' })));
    const bh = $('#public_board_host');
    if (bh) clear(bh, S.board && boardBox(S.board));
  }

  function boardBox(b) {
    const entries = b.entries || [];
    return h('section', { class: 'box board', id: 'public_board', 'aria-labelledby': 'public_board_h', 'data-round': b.round },
      h('h2', { id: 'public_board_h' }, t('board_title'), b.round && (S.c.rounds || []).length > 1 ? ' · ' + t('round_n', { n: b.round }) : ''),
      h('p', { class: 'hint', id: 'public_board_note' }, t('board_note')),
      entries.length ? h('table', { class: 'lb', id: 'public_board_table' },
        h('caption', { class: 'sr-only' }, t('board_title')),
        h('thead', null, h('tr', null, h('th', { scope: 'col', class: 'c-rank' }, t('w_rank')), h('th', { scope: 'col' }, t('participants')),
          h('th', { scope: 'col', class: 'c-num' }, t('score')), h('th', { scope: 'col', class: 'c-num' }, t('w_time')))),
        h('tbody', null, entries.map((e) => h('tr', { 'data-rank': e.rank },
          h('td', { class: 'c-rank' }, e.rank),
          h('td', null, h('span', { class: 'lb-name' }, e.name), e.unit_name && h('span', { class: 'lb-unit' }, e.unit_name)),
          h('td', { class: 'c-num' }, num(e.score), e.total != null && h('span', { class: 'muted' }, '/' + num(e.total))),
          h('td', { class: 'c-num' }, fmtDur(e.duration_ms))))))
        : h('p', { class: 'muted', id: 'public_board_empty' }, t('board_empty')),
      h('p', { class: 'hint', id: 'public_board_updated' }, t('board_count', { n: num(b.participants) }), b.updated_at && [' · ', t('board_updated', { at: fmtDate(b.updated_at) })]));
  }

  // ---------- rendering ----------
  function render() {
    stopTimers();
    if (S.err) return clear(main, h('h1', null, t('app_name')), errorBox(S.err, init), h('p', null, link('/', t('home'))));
    if (!S.c) return clear(main, loading());
    const c = S.c;
    clear(main,
      h('section', { class: 'intro', 'aria-labelledby': 'contest_title' },
        h('p', null, badge(c.status)),
        h('h1', { id: 'contest_title' }, c.title),
        h('p', { class: 'muted' }, t('from_to', { a: fmtDate(c.opens_at), b: fmtDate(c.closes_at) })),
        c.status !== 'closed' && h('p', { class: 'cd-line' }, t(c.status === 'open' ? 'closes_in' : 'opens_in'), ' ',
          h('strong', { id: 'contest_countdown', class: 'cd' }, countdownText())),
        h('dl', { class: 'stats' },
          h('div', null, h('dt', null, t('participants')), h('dd', { id: 'stat_participants' }, num(c.stats && c.stats.participants))),
          h('div', null, h('dt', null, t('attempts')), h('dd', { id: 'stat_attempts' }, num(c.stats && c.stats.attempts)))),
        h('p', { id: 'contest_settings' }, t('settings', { q: c.questions_per_attempt, m: Math.round(c.time_limit_secs / 6) / 10, a: c.max_attempts })),
        h('div', { id: 'winners_link_host' }),
        roundsList()),
      h('div', { id: 'public_board_host' }),
      (c.rules_html || c.rules_md) && h('details', { class: 'rules', id: 'rules' },
        h('summary', null, t('rules')),
        c.rules_html ? h('div', { class: 'md', html: c.rules_html }) : h('div', { class: 'md pre' }, c.rules_md)),
      S.meErr ? errorBox(t('me_error') + ' ' + errText(S.meErr), async () => { await loadMe(); if (!token()) loadUnits(); render(); })
        : S.me ? mePanel() : regForm());
    if (!S.me && !S.meErr) fillUnits();
    drawExtras();
    startTimers();
  }

  function roundsList() {
    const r = S.c.rounds || [];
    if (r.length < 2) return null;
    return h('details', { class: 'rounds' }, h('summary', null, t('rounds')),
      h('ul', null, r.map((x) => h('li', { 'data-round': x.number, class: x.number === S.c.current_round ? 'cur' : null },
        t('round_n', { n: x.number }), ': ', t('from_to', { a: fmtDate(x.opens_at), b: fmtDate(x.closes_at) }),
        x.status && [' ', badge(x.status)]))));
  }

  function roundOpen() {
    const r = S.c.rounds || [];
    const now = serverNow(S.c.offset);
    return !r.length || r.some((x) => (x.status ? x.status === 'open' : Date.parse(x.opens_at) <= now && now < Date.parse(x.closes_at)));
  }

  function mePanel() {
    const m = S.me, c = S.c;
    const resume = !!m.in_progress_attempt_id;
    let action;
    if (resume || (c.status === 'open' && m.attempts_left > 0 && roundOpen())) {
      action = h('button', { type: 'button', class: 'btn btn-big', id: 'start_btn', onclick: () => ctx.go(base + '/quiz') }, t(resume ? 'resume' : 'start'));
    } else {
      action = h('p', { class: 'box note', id: 'start_note' },
        t(c.status === 'upcoming' ? 'not_open' : c.status === 'closed' ? 'closed' : m.attempts_left > 0 ? 'round_none' : 'no_left'));
    }
    const list = (m.attempts || []).slice().sort((a, b) => b.attempt_no - a.attempt_no);
    return h('section', { class: 'box me', id: 'me_panel', 'aria-labelledby': 'hello' },
      h('h2', { id: 'hello' }, t('hello', { name: m.full_name || '' })),
      h('p', { id: 'attempts_info' }, t('used_left', { u: m.attempts_used, l: m.attempts_left })),
      action,
      list.length > 0 && [h('h3', null, t('past')), h('ul', { class: 'past', id: 'past_attempts' }, list.map((a) =>
        h('li', { 'data-attempt': a.attempt_id },
          h('span', null, t('attempt_n', { n: a.attempt_no })),
          a.status === 'in_progress' ? h('span', null, t('a_in_progress'))
            : [h('span', null, h('strong', null, a.correct + '/' + a.total)), h('span', null, fmtDur(a.duration_ms)),
              a.status === 'expired' && h('span', null, t('a_expired')),
              link(base + '/result/' + encodeURIComponent(a.attempt_id), t('see_result'))])))],
      h('p', null, h('button', { type: 'button', class: 'linkish', id: 'logout_btn', onclick: logout }, t('logout'))));
  }

  function logout() {
    setToken(slug, null);
    S.me = null;
    S.form = {};
    loadUnits();
    render();
    const f = $('#full_name');
    if (f) f.focus();
  }

  // ---------- registration ----------
  function field(id, type, extra, opt) {
    const v = S.form[id] || '';
    const err = S.fe[id];
    return h('div', { class: 'field' + (err ? ' has-err' : '') },
      h('label', { for: id }, t('f_' + id), opt && h('span', { class: 'optl' }, ' (' + t('optional') + ')')),
      extra && extra.hint && h('p', { class: 'hint', id: id + '_hint' }, extra.hint),
      type === 'select'
        ? h('select', { id, name: id, 'aria-describedby': id + '_err', 'aria-invalid': err ? 'true' : null, 'aria-required': opt ? null : 'true' },
          extra.options.map(([val, text]) => h('option', { value: val, selected: val === v }, text)))
        : h('input', { id, name: id, type, value: v, 'aria-describedby': (extra && extra.hint ? id + '_hint ' : '') + id + '_err', 'aria-invalid': err ? 'true' : null, 'aria-required': opt ? null : 'true', ...(extra && extra.attrs) }),
      h('p', { class: 'err', id: id + '_err' }, err ? fieldText(err) : ''));
  }

  function regForm() {
    const c = S.c;
    const cats = c.categories || [];
    const consentText = (lang() === 'en' ? c.consent_text_en || c.consent_text : c.consent_text || c.consent_text_en) || t('consent_default');
    const uerr = S.fe.unit_id;
    return h('section', { class: 'box reg', id: 'register', 'aria-labelledby': 'reg_h' },
      h('h2', { id: 'reg_h' }, t('reg_title')),
      h('p', { class: 'muted' }, t('reg_intro')),
      h('form', { id: 'register_form', novalidate: true, onsubmit: register },
        field('full_name', 'text', { attrs: { autocomplete: 'name', maxlength: 100 } }),
        field('phone', 'tel', { attrs: { autocomplete: 'tel', inputmode: 'tel', maxlength: 20 } }),
        field('birth_year', 'text', { attrs: { inputmode: 'numeric', autocomplete: 'bday-year', maxlength: 4, pattern: '[0-9]*' } }),
        field('national_id', 'text', { attrs: { inputmode: 'numeric', maxlength: 12, pattern: '[0-9]*', autocomplete: 'off' } }, !c.require_national_id),
        h('fieldset', { class: 'field unit' + (uerr ? ' has-err' : ''), id: 'unit_field' },
          h('legend', null, t('f_unit')),
          h('label', { for: 'unit_search', class: 'sub' }, t('f_unit_search')),
          h('input', { id: 'unit_search', type: 'search', value: S.form.unit_search || '', autocomplete: 'off', 'aria-controls': 'unit_id', 'aria-describedby': 'unit_count', oninput: () => filterUnits(true) }),
          h('p', { class: 'hint', id: 'unit_count', 'aria-live': 'polite' }),
          h('label', { for: 'unit_id', class: 'sr-only' }, t('f_unit')),
          h('select', { id: 'unit_id', name: 'unit_id', 'aria-required': 'true', 'aria-describedby': 'unit_id_err', 'aria-invalid': uerr ? 'true' : null }),
          S.unitsErr && errorBox(S.unitsErr, () => { S.unitsErr = null; saveForm(); render(); loadUnits(); }),
          h('p', { class: 'err', id: 'unit_id_err' }, uerr ? fieldText(uerr) : '')),
        cats.length > 0 && field('category', 'select', { options: [['', t('cat_pick')], ...cats.map((x) => [x.code, x.name])] }),
        field('gender', 'select', { options: [['', t('g_none')], ['male', t('g_male')], ['female', t('g_female')], ['other', t('g_other')]] }, true),
        field('address', 'text', { attrs: { autocomplete: 'street-address', maxlength: 200 } }, true),
        c.require_pin && field('pin', 'password', { hint: t('pin_hint'), attrs: { inputmode: 'numeric', maxlength: 8, autocomplete: 'off', pattern: '[0-9]*' } }),
        h('fieldset', { class: 'field consent' + (S.fe.consent ? ' has-err' : '') },
          h('legend', null, t('consent_title')),
          h('div', { class: 'consent-text', id: 'consent_text' }, consentText),
          h('label', { class: 'check' },
            h('input', { type: 'checkbox', id: 'consent', name: 'consent', checked: !!S.form.consent, 'aria-describedby': 'consent_text consent_err', 'aria-invalid': S.fe.consent ? 'true' : null }),
            h('span', null, t('consent'))),
          h('p', { class: 'err', id: 'consent_err' }, S.fe.consent ? fieldText(S.fe.consent) : '')),
        h('p', { class: 'err form-err', id: 'form_error', role: 'alert' }, S.formErr ? errText(S.formErr) : ''),
        h('button', { type: 'submit', class: 'btn btn-big', id: 'register_btn', disabled: S.busy }, t(S.busy ? 'sending' : 'register'))));
  }

  function saveForm() {
    const f = $('#register_form');
    if (!f) return;
    for (const el of f.querySelectorAll('input,select')) S.form[el.id] = el.type === 'checkbox' ? el.checked : el.value;
  }

  function fillUnits() {
    const sel = $('#unit_id');
    if (!sel) return;
    if (!S.units) {
      sel.disabled = true;
      sel.replaceChildren(h('option', { value: '' }, t('loading')));
      return;
    }
    filterUnits(false);
  }

  /** Rebuild the unit <select> from the filter, grouped by block. */
  function filterUnits(typed) {
    const sel = $('#unit_id'), q = fold($('#unit_search').value);
    if (!sel || !S.units) return;
    const keep = typed ? sel.value : S.form.unit_id || '';
    const hits = q ? S.units.filter((u) => matches(u.f, q)) : S.units;
    const groups = new Map();
    for (const u of hits) {
      const b = u.block || '';
      if (!groups.has(b)) groups.set(b, []);
      groups.get(b).push(u);
    }
    let chosen = hits.some((u) => String(u.id) === keep) ? keep : '';
    if (typed && q && hits.length === 1) chosen = String(hits[0].id);
    const opt = (u) => h('option', { value: String(u.id), selected: String(u.id) === chosen }, u.name);
    sel.disabled = false;
    sel.replaceChildren(h('option', { value: '', selected: !chosen }, t('unit_pick')),
      ...[...groups].map(([b, us]) => (b ? h('optgroup', { label: b }, us.map(opt)) : us.map(opt))).flat());
    sel.value = chosen;
    $('#unit_count').textContent = q ? t('unit_count', { n: hits.length }) : '';
  }

  function validate(v) {
    const c = S.c, e = {};
    if (!v.full_name.trim()) e.full_name = 'required';
    const ph = v.phone.replace(/[\s.\-()]/g, '');
    if (!ph) e.phone = 'required';
    else if (!/^(\+?84|0)\d{9}$/.test(ph)) e.phone = 'invalid_phone';
    const y = Number(v.birth_year), yNow = new Date(serverNow(c.offset)).getUTCFullYear();
    if (!v.birth_year.trim()) e.birth_year = 'required';
    else if (!/^\d{4}$/.test(v.birth_year.trim()) || y < 1900 || y > yNow) e.birth_year = 'invalid_birth_year';
    if (v.national_id) { if (!/^\d{12}$/.test(v.national_id)) e.national_id = 'invalid_national_id'; } else if (c.require_national_id) e.national_id = 'required';
    if (!v.unit_id) e.unit_id = 'required';
    if ((c.categories || []).length && !v.category) e.category = 'required';
    if (c.require_pin) { if (!v.pin) e.pin = 'required'; else if (!/^\d{4,8}$/.test(v.pin)) e.pin = 'invalid_pin'; }
    if (!v.consent) e.consent = 'consent_required';
    return e;
  }

  /** Show field errors in place (no re-render: keeps what was typed). */
  function showErrors() {
    let first = null;
    for (const f of FIELDS) {
      const el = $('#' + f), p = $('#' + f + '_err');
      if (!el || !p) continue;
      const code = S.fe[f];
      p.textContent = code ? fieldText(code) : '';
      el.closest('.field').classList.toggle('has-err', !!code);
      if (code) { el.setAttribute('aria-invalid', 'true'); first = first || el; } else el.removeAttribute('aria-invalid');
    }
    $('#form_error').textContent = S.formErr ? errText(S.formErr) : '';
    if (first) first.focus();
  }

  async function register(ev) {
    ev.preventDefault();
    if (S.busy) return;
    saveForm();
    const v = S.form, c = S.c;
    const val = (k) => String(v[k] || '').trim();
    const vals = { full_name: val('full_name'), phone: val('phone'), birth_year: val('birth_year'), national_id: val('national_id'), unit_id: val('unit_id'), category: val('category'), pin: val('pin'), consent: !!v.consent };
    S.fe = validate(vals);
    S.formErr = Object.keys(S.fe).length ? new ApiError(422, 'validation_failed') : null;
    if (S.formErr) return showErrors();
    const unit = S.units.find((u) => String(u.id) === vals.unit_id);
    const body = { full_name: vals.full_name.replace(/\s+/g, ' '), phone: vals.phone, birth_year: Number(vals.birth_year), unit_id: unit ? unit.id : vals.unit_id, consent: true };
    if (vals.national_id) body.national_id = vals.national_id;
    if (val('gender')) body.gender = val('gender');
    if (vals.category) body.category = vals.category;
    if (val('address')) body.address = val('address');
    if (c.require_pin) body.pin = vals.pin;
    S.busy = true;
    const btn = $('#register_btn');
    btn.disabled = true; btn.textContent = t('sending');
    try {
      const { data } = await api('POST', '/contests/' + encodeURIComponent(slug) + '/participants', { body });
      setToken(slug, data.token);
      S.me = { full_name: data.full_name || body.full_name, attempts_used: data.attempts_used, attempts_left: data.attempts_left, in_progress_attempt_id: data.in_progress_attempt_id || null, attempts: [] };
      S.fe = {}; S.formErr = null; S.busy = false;
      if (data.attempts_used > 0) await loadMe();
      if (gone) return;
      if (S.meErr) { S.meErr = null; }
      render();
      const hello = $('#hello');
      if (hello) { hello.tabIndex = -1; hello.focus(); }
      return;
    } catch (e) {
      S.busy = false;
      S.fe = {};
      if (e.fields) for (const k in e.fields) S.fe[k === 'unit' ? 'unit_id' : k] = e.fields[k];
      if (e.code === 'consent_required') S.fe.consent = 'consent_required';
      if (e.code === 'pin_mismatch') S.fe.pin = 'pin_mismatch';
      S.formErr = e.code === 'consent_required' || e.code === 'pin_mismatch' ? null : e;
    }
    if (gone) return;
    btn.disabled = false; btn.textContent = t('register');
    showErrors();
    if (!Object.keys(S.fe).length) $('#form_error').scrollIntoView({ block: 'center' });
  }

  // ---------- live parts: countdown and counts ----------
  function countdownText() {
    const c = S.c;
    const target = Date.parse(c.status === 'open' ? c.closes_at : c.opens_at);
    return fmtLeft(target - serverNow(c.offset));
  }

  function startTimers() {
    if (S.c.status !== 'closed') tick = setInterval(() => {
      const el = $('#contest_countdown');
      if (!el) return;
      const txt = countdownText();
      if (el.textContent !== txt) el.textContent = txt;
      if (/^[0:]+$/.test(txt)) { clearInterval(tick); setTimeout(refresh, 1500); }
    }, 1000);
    poll = setInterval(refresh, 30000);
  }

  function stopTimers() { clearInterval(tick); clearInterval(poll); }

  async function refresh() {
    try {
      const old = S.c.status;
      S.c = await getContest(slug, true);
      if (gone) return;
      if (!S.boardOff) loadBoard();
      if (S.c.status !== old) { saveForm(); render(); loadWinners(); return; }
      const p = $('#stat_participants'), a = $('#stat_attempts');
      if (p) p.textContent = num(S.c.stats && S.c.stats.participants);
      if (a) a.textContent = num(S.c.stats && S.c.stats.attempts);
    } catch { /* keep the old numbers; try again on the next tick */ }
  }

  init();
  return {
    onLang() { saveForm(); render(); },
    unmount() { gone = true; stopTimers(); },
  };
}
