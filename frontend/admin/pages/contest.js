// /admin/new and /admin/c/{slug}: every setting of a contest, grouped and explained.
import { t, errText } from '../i18n.js';
import {
  h, clear, $, field, checkField, input, select, showErrors, errorSummary, loading, errorBox,
  confirmDlg, isoToLocal, localToIso, fmtUtc, fmtAt, localZone, contestHead, badge, say, num,
} from '../ui.js';
import { get, post, patch, adm, rememberContest } from '../api.js';
import { fold } from '../../util/fold.js';

const TIE_KEYS = ['score', 'prediction_error', 'duration_ms', 'submitted_at', 'attempts_used', 'registered_at'];
const DEFAULT_TIES = ['score', 'prediction_error', 'duration_ms', 'submitted_at'];
// What may no longer change once a round has opened (server: `locked_changes`).
const LOCKED = new Set(['slug', 'opens_at', 'questions_per_attempt', 'time_limit_secs', 'max_attempts', 'grace_secs',
  'shuffle_options', 'topic_quotas', 'reveal', 'prediction', 'tie_breaks', 'categories', 'require_national_id',
  'require_pin', 'timezone', 'prizes']);
const DEFAULT_TIERS = [['first', 'Giải Nhất', 1], ['second', 'Giải Nhì', 2], ['third', 'Giải Ba', 3], ['consolation', 'Giải Khuyến khích', 12]];

let flash = null; // message carried to the page shown after creating a contest

const str = (v) => (v == null ? '' : String(v));
const pctStr = (r) => (r == null ? '' : String(Math.round(r * 1e6) / 1e4));

/** The form's model from a contest as the API gives it. */
function fromContest(c) {
  const p = c.prizes || {};
  const col = p.collective || null;
  return {
    slug: c.slug, title: c.title, organizer: str(c.organizer), rules_md: str(c.rules_md), consent_text: str(c.consent_text),
    opens_at: c.opens_at, closes_at: c.closes_at,
    qpa: str(c.questions_per_attempt), tmin: str(Math.floor(c.time_limit_secs / 60)), tsec: str(c.time_limit_secs % 60),
    max_attempts: str(c.max_attempts), grace: str(c.grace_secs), shuffle: !!c.shuffle_options,
    quotas: (c.topic_quotas || []).map((q) => ({ topic: q.topic, count: str(q.count) })),
    reveal: c.reveal,
    pred_on: !!c.prediction, pred_q: c.prediction ? c.prediction.question : '', pred_target: c.prediction ? c.prediction.target : 'perfect_attempts',
    tie_breaks: [...(c.tie_breaks || [])],
    categories: (c.categories || []).map((x) => ({ code: x.code, name: x.name })),
    rounds: (c.rounds || []).map((r) => ({ number: r.number, opens_at: r.opens_at, closes_at: r.closes_at, seed: str(r.draw_seed_sha256), status: r.status, closed_early_at: r.closed_early_at, orig_seed: r.draw_seed_sha256 || null, orig_closes: r.closes_at, orig: true })),
    nid: !!c.require_national_id, pin: !!c.require_pin, timezone: c.timezone, listed: !!c.listed,
    tiers: (p.individual || []).map((x) => ({ tier: x.tier, name: x.name, count: str(x.count), min: str(x.min_score), kind: x.kind || 'ranked', eligible: x.eligible || 'perfect_without_prize' })),
    pools: p.pools || 'all', exclude_prev: !!p.exclude_previous_winners,
    coll_on: !!col, coll_count: col ? str(col.count) : '9', coll_rank_by: col ? col.rank_by || 'participation_rate' : 'participation_rate',
    coll_per_block: !!(col && col.per_block), coll_min_part: col ? str(col.min_participants) : '1', coll_min_rate: col ? pctStr(col.min_rate) : '',
    bands: col && col.rate_bands ? col.rate_bands.map((b) => ({ max: str(b.max_headcount), rate: pctStr(b.min_rate) })) : [],
    coll_req_ind: !!(col && col.require_individual_prize),
    lb_on: !!c.public_leaderboard, lb_size: str(c.leaderboard_size == null ? 10 : c.leaderboard_size),
  };
}

/** Defaults of spec/contest-rules.md for a new contest. */
function defaults() {
  const o = new Date(); o.setDate(o.getDate() + 1); o.setHours(7, 0, 0, 0);
  const c = new Date(o); c.setDate(c.getDate() + 30); c.setHours(17, 0, 0, 0);
  return {
    ...fromContest({
      slug: '', title: '', rules_md: '', consent_text: '', opens_at: o.toISOString(), closes_at: c.toISOString(),
      questions_per_attempt: 20, time_limit_secs: 1200, max_attempts: 3, grace_secs: 15, shuffle_options: true,
      topic_quotas: [], reveal: 'after_round_closes', prediction: null, tie_breaks: ['score', 'duration_ms', 'submitted_at'],
      categories: [], rounds: [], require_national_id: false, require_pin: false, timezone: 'Asia/Ho_Chi_Minh', listed: true,
      prizes: { individual: DEFAULT_TIERS.map(([tier, name, count]) => ({ tier, name, count, min_score: null, kind: 'ranked' })), pools: 'all', exclude_previous_winners: false,
        collective: { count: 9, rank_by: 'participation_rate', per_block: false, min_participants: 1, min_rate: null, rate_bands: null, require_individual_prize: false } },
    }),
    slug_auto: true,
  };
}

/** API body from the model, with client-side problems (path → code). */
function toBody(M, isNew) {
  const errs = {};
  const int = (v, path, opt) => {
    const s = str(v).trim();
    if (!s) { if (!opt) errs[path] = 'required'; return null; }
    if (!/^-?\d+$/.test(s)) { errs[path] = 'invalid'; return null; }
    return Number(s);
  };
  const ratio = (v, path) => {
    const s = str(v).trim().replace(',', '.');
    if (!s) return null;
    const x = Number(s);
    if (!Number.isFinite(x)) { errs[path] = 'invalid'; return null; }
    return Math.round(x * 1e4) / 1e6;
  };
  const time = (v, path) => { if (!v) errs[path] = 'required'; return v || ''; };
  const tmin = int(M.tmin, 'time_limit_secs', true) || 0, tsec = int(M.tsec, 'time_limit_secs', true) || 0;
  const body = {};
  if (isNew) body.slug = M.slug.trim();
  Object.assign(body, {
    title: M.title, organizer: M.organizer, rules_md: M.rules_md, consent_text: M.consent_text,
    opens_at: time(M.opens_at, 'opens_at'), closes_at: time(M.closes_at, 'closes_at'),
    questions_per_attempt: int(M.qpa, 'questions_per_attempt'),
    time_limit_secs: tmin * 60 + tsec,
    max_attempts: int(M.max_attempts, 'max_attempts'),
    grace_secs: int(M.grace, 'grace_secs'),
    shuffle_options: M.shuffle,
    topic_quotas: M.quotas.map((q, i) => ({ topic: q.topic.trim(), count: int(q.count, `topic_quotas[${i}].count`) })),
    reveal: M.reveal,
    prediction: M.pred_on ? { question: M.pred_q, target: M.pred_target } : null,
    tie_breaks: [...M.tie_breaks],
    categories: M.categories.map((c) => ({ code: c.code.trim(), name: c.name })),
    rounds: M.rounds.map((r, i) => ({ number: i + 1, opens_at: time(r.opens_at, `rounds[${i}].opens_at`), closes_at: time(r.closes_at, `rounds[${i}].closes_at`), draw_seed_sha256: r.seed.trim() || null })),
    require_national_id: M.nid, require_pin: M.pin, timezone: M.timezone.trim(), listed: M.listed,
    public_leaderboard: M.lb_on, leaderboard_size: int(M.lb_size, 'leaderboard_size'),
    prizes: {
      individual: M.tiers.map((x, i) => {
        const o = { tier: x.tier.trim(), name: x.name, count: int(x.count, `prizes.individual[${i}].count`), min_score: int(x.min, `prizes.individual[${i}].min_score`, true), kind: x.kind };
        if (x.kind === 'lottery') o.eligible = x.eligible;
        return o;
      }),
      pools: M.pools,
      exclude_previous_winners: M.exclude_prev,
      collective: M.coll_on ? {
        count: int(M.coll_count, 'prizes.collective.count'), rank_by: M.coll_rank_by, per_block: M.coll_per_block,
        min_participants: int(M.coll_min_part, 'prizes.collective.min_participants', true),
        min_rate: ratio(M.coll_min_rate, 'prizes.collective.min_rate'),
        rate_bands: M.bands.length ? M.bands.map((b, i) => ({ max_headcount: int(b.max, `prizes.collective.rate_bands[${i}].max_headcount`, true), min_rate: ratio(b.rate, `prizes.collective.rate_bands[${i}].min_rate`) ?? 0 })) : null,
        require_individual_prize: M.coll_req_ind,
      } : null,
    },
  });
  if (isNew && !M.rounds.length) delete body.rounds; // the server's default: one round spanning the contest
  if (isNew && !M.consent_text.trim()) delete body.consent_text; // the server's default text
  if (tmin * 60 + tsec <= 0 && !errs.time_limit_secs) errs.time_limit_secs = 'out_of_range';
  if (body.leaderboard_size != null && (body.leaderboard_size < 1 || body.leaderboard_size > 100)) errs.leaderboard_size = 'out_of_range';
  return { body, errs };
}

export function mount(main, args, ctx) {
  const isNew = !args.length;
  let slug = args[0] || null;
  let C = null, M = null, topics = [], err = null, gone = false, dirty = false, saving = false;
  let baseBody = null;
  let formErrs = null; // last error list, shown again after a re-render

  const locked = () => !!(C && C.locked);
  const lockedField = (name) => locked() && LOCKED.has(name);

  async function load() {
    err = null;
    clear(main, loading());
    try {
      if (isNew) {
        M = defaults();
      } else {
        const [c, tp] = await Promise.all([get(adm(slug)), get(adm(slug, '/topics')).catch(() => [])]);
        C = c; topics = tp || [];
        rememberContest(c);
        M = fromContest(c);
        baseBody = toBody(M, false).body;
      }
    } catch (e) { err = e; }
    if (gone) return;
    render();
    ctx.ready();
  }

  // ---------- reading the form back into the model ----------
  const val = (id) => { const e = $('#' + id); return e ? e.value : ''; };
  const chk = (id) => { const e = $('#' + id); return !!(e && e.checked); };
  const dtVal = (id) => {
    const e = $('#' + id);
    if (!e) return '';
    return e.value === e.dataset.local ? e.dataset.iso : localToIso(e.value);
  };

  function read() {
    if (!$('#contest_form')) return;
    Object.assign(M, {
      title: val('f_title'), organizer: val('f_organizer'), rules_md: val('f_rules_md'), consent_text: val('f_consent_text'),
      opens_at: dtVal('f_opens_at'), closes_at: dtVal('f_closes_at'),
      qpa: val('f_questions_per_attempt'), tmin: val('f_time_min'), tsec: val('f_time_sec'), max_attempts: val('f_max_attempts'),
      grace: val('f_grace_secs'), shuffle: chk('f_shuffle_options'), reveal: val('f_reveal'),
      pred_on: chk('f_prediction_on'), pred_q: val('f_prediction_question'), pred_target: val('f_prediction_target'),
      nid: chk('f_require_national_id'), pin: chk('f_require_pin'), timezone: val('f_timezone'), listed: chk('f_listed'),
      pools: val('f_pools'), exclude_prev: chk('f_exclude_previous_winners'),
      coll_on: chk('f_collective_on'), coll_count: val('f_coll_count'), coll_rank_by: val('f_coll_rank_by'), coll_per_block: chk('f_coll_per_block'),
      coll_min_part: val('f_coll_min_participants'), coll_min_rate: val('f_coll_min_rate'), coll_req_ind: chk('f_coll_require_individual'),
      lb_on: chk('f_public_leaderboard'), lb_size: val('f_leaderboard_size'),
    });
    if (isNew) M.slug = val('f_slug');
    M.quotas = M.quotas.map((q, i) => ({ topic: val('quota_topic_' + i), count: val('quota_count_' + i) }));
    M.categories = M.categories.map((c, i) => ({ code: val('cat_code_' + i), name: val('cat_name_' + i) }));
    M.rounds = M.rounds.map((r, i) => ({ ...r, opens_at: dtVal('round_opens_' + i), closes_at: dtVal('round_closes_' + i), seed: val('round_seed_' + i) }));
    M.tiers = M.tiers.map((x, i) => ({ tier: val('tier_code_' + i), name: val('tier_name_' + i), count: val('tier_count_' + i), min: val('tier_min_' + i), kind: val('tier_kind_' + i), eligible: val('tier_eligible_' + i) || x.eligible }));
    M.bands = M.bands.map((b, i) => ({ max: val('band_max_' + i), rate: val('band_rate_' + i) }));
  }

  /** Re-render after a structural change, keeping the values typed so far; focus `sel`. */
  function redo(change, sel) {
    read();
    change();
    dirty = true;
    render();
    const e = sel && $(sel);
    if (e) e.focus();
  }

  // ---------- building blocks ----------
  const lockNote = (name) => lockedField(name) && h('span', { class: 'lock' }, ' (', t('locked_short'), ')');

  function dtField(id, iso, { label, hint, path, disabled, min }) {
    const tz = M.timezone || 'Asia/Ho_Chi_Minh';
    const out = h('span', { class: 'utc', id: id + '_utc' });
    const show = (v) => {
      out.textContent = v ? t('dt_utc', { utc: fmtUtc(v), tz, at: fmtAt(v, tz) }) : '';
    };
    const inp = h('input', {
      type: 'datetime-local', id, name: id, value: isoToLocal(iso), 'data-iso': iso || '', 'data-local': isoToLocal(iso),
      disabled, min: min ? isoToLocal(min) : null, 'aria-describedby': id + '_utc',
      oninput: (e) => show(e.target.value === e.target.dataset.local ? e.target.dataset.iso : localToIso(e.target.value)),
    });
    show(iso);
    return field({ label: [label, lockNote(path)], hint, control: inp, path: path || id, after: out });
  }

  function numField(id, value, { label, hint, path, min, max, disabled, optional, step }) {
    return field({ label: [label, lockNote(path)], hint, optional, path,
      control: input(id, { type: 'number', inputmode: 'numeric', value, min, max, step: step || 1, disabled, class: 'num-in' }) });
  }

  function sec(id, title, intro, ...kids) {
    return h('section', { class: 'box sec', id, 'aria-labelledby': id + '_h' },
      h('h2', { id: id + '_h' }, title),
      intro && h('p', { class: 'hint sec-intro' }, intro),
      kids);
  }

  function rowBtn(id, text, label, onclick, disabled, cls) {
    return h('button', { type: 'button', class: 'btn btn-2 btn-sm' + (cls ? ' ' + cls : ''), id, 'aria-label': label, disabled, onclick }, text);
  }

  // ---------- rendering ----------
  function render() {
    if (gone) return;
    if (err) { ctx.title(t('tab_settings')); return clear(main, h('h1', null, isNew ? t('new_contest') : t('tab_settings')), errorBox(err, load)); }
    ctx.title(isNew ? t('new_contest') : C.title);
    const L = locked();
    const heading = isNew ? t('new_contest') : t('settings_of', { title: C.title });
    clear(main,
      !isNew && contestHead(slug, 'settings', C.title),
      h('h1', null, heading),
      !isNew && h('p', null, badge(C.status), ' ', h('code', { class: 'code' }, '/c/' + C.slug)),
      flash && h('p', { class: 'box ok-box', role: 'status', id: 'flash' }, flash),
      L && h('div', { class: 'box note', id: 'locked_note' }, h('p', null, h('strong', null, t('locked_title'))), h('p', null, t('locked_expl'))),
      h('div', { id: 'form_error_host' }),
      h('form', { id: 'contest_form', novalidate: true, onsubmit: save, oninput: () => { dirty = true; }, onchange: () => { dirty = true; } },
        secGeneral(), secTexts(), secTime(), secRounds(), secAttempts(), secRegistration(), secRanking(), secPrizes(),
        h('div', { class: 'savebar' },
          h('button', { type: 'submit', class: 'btn', id: 'save_contest_btn' }, isNew ? t('create_contest') : t('save')),
          h('p', { id: 'save_status', role: 'status', class: 'save-status' }))));
    flash = null;
    if (formErrs) placeErrors(formErrs, false);
  }

  function secGeneral() {
    return sec('sec_general', t('sec_general'), null,
      field({ label: t('f_title'), hint: t('h_title'), path: 'title', control: input('f_title', { value: M.title, required: true, maxlength: 300,
        oninput: isNew ? (e) => { if (M.slug_auto) { const s = $('#f_slug'); s.value = slugify(e.target.value); } } : null }) }),
      isNew ? field({ label: t('f_slug'), hint: t('h_slug'), path: 'slug', control: input('f_slug', { value: M.slug, required: true, maxlength: 64, pattern: '[a-z0-9][a-z0-9-]{1,63}', autocapitalize: 'none', spellcheck: 'false',
        oninput: () => { M.slug_auto = false; } }) })
        : h('div', { class: 'field' }, h('p', { class: 'lbl-text' }, h('strong', null, t('f_slug'))), h('p', null, h('code', { class: 'code', id: 'f_slug_ro' }, C.slug), ' ', h('span', { class: 'hint' }, t('h_slug_fixed')))),
      field({ label: t('f_organizer'), hint: t('h_organizer'), path: 'organizer', optional: true, control: input('f_organizer', { value: M.organizer, maxlength: 300 }) }),
      checkField({ id: 'f_listed', label: t('f_listed'), hint: t('h_listed'), checked: M.listed, path: 'listed' }));
  }

  function secTexts() {
    return sec('sec_texts', t('sec_texts'), null,
      field({ label: t('f_rules_md'), hint: t('h_rules_md'), path: 'rules_md', control: h('textarea', { id: 'f_rules_md', name: 'f_rules_md', rows: 12, value: M.rules_md }) }),
      field({ label: t('f_consent_text'), hint: isNew ? t('h_consent_text') + ' ' + t('h_consent_new') : t('h_consent_text'), path: 'consent_text', control: h('textarea', { id: 'f_consent_text', name: 'f_consent_text', rows: 6, maxlength: 5000, value: M.consent_text }) }));
  }

  function secTime() {
    const zones = (() => { try { return Intl.supportedValuesOf('timeZone'); } catch { return ['Asia/Ho_Chi_Minh', 'Asia/Bangkok', 'UTC']; } })();
    return sec('sec_time', t('sec_time'), t('h_time', { zone: localZone() || '—' }),
      h('div', { class: 'grid2' },
        dtField('f_opens_at', M.opens_at, { label: t('f_opens_at'), hint: t('h_opens_at'), path: 'opens_at', disabled: lockedField('opens_at') }),
        dtField('f_closes_at', M.closes_at, { label: t('f_closes_at'), hint: locked() ? t('h_closes_at_locked') : t('h_closes_at'), path: 'closes_at', min: locked() ? C.closes_at : null })),
      field({ label: [t('f_timezone'), lockNote('timezone')], hint: t('h_timezone'), path: 'timezone',
        control: input('f_timezone', { value: M.timezone, list: 'tz_list', disabled: lockedField('timezone'), autocapitalize: 'none', spellcheck: 'false' }),
        after: h('datalist', { id: 'tz_list' }, zones.map((z) => h('option', { value: z }))) }));
  }

  function secRounds() {
    const L = locked();
    const canHash = !!(window.crypto && crypto.subtle);
    const rows = M.rounds.map((r, i) => {
      const seedLocked = L && r.orig && !!r.orig_seed;
      return h('fieldset', { class: 'rowbox row-err-host', 'data-round': i + 1, id: 'round_row_' + i },
        h('legend', null, t('round_n', { n: i + 1 }), ' ', r.status && badge(r.status),
          r.closed_early_at && h('span', { class: 'hint' }, ' ', t('closed_early', { at: fmtAt(r.closed_early_at) }))),
        h('p', { class: 'err', 'data-err': `rounds[${i}]`, id: 'err_rounds_' + i }),
        h('p', { class: 'err', 'data-err': `rounds[${i}].number`, id: 'err_rounds_' + i + '_number' }),
        h('div', { class: 'grid2' },
          dtField('round_opens_' + i, r.opens_at, { label: t('f_round_opens'), path: `rounds[${i}].opens_at`, disabled: L && r.orig }),
          dtField('round_closes_' + i, r.closes_at, { label: t('f_round_closes'), path: `rounds[${i}].closes_at`, min: L && r.orig ? r.orig_closes : null })),
        field({ label: [t('f_seed'), seedLocked ? h('span', { class: 'lock' }, ' (', t('locked_short'), ')') : null], hint: t('h_seed'), optional: true, path: `rounds[${i}].draw_seed_sha256`,
          control: input('round_seed_' + i, { value: r.seed, class: 'mono', maxlength: 64, pattern: '[0-9a-f]{64}', disabled: seedLocked, spellcheck: 'false', autocapitalize: 'none' }) }),
        canHash && !seedLocked && h('details', { class: 'seedhelp' },
          h('summary', null, t('seed_helper')),
          h('p', { class: 'hint' }, t('h_seed_secret')),
          h('div', { class: 'inline' },
            h('label', { for: 'seed_secret_' + i, class: 'sr-only' }, t('seed_secret')),
            input('seed_secret_' + i, { placeholder: t('seed_secret'), class: 'mono' }),
            h('button', { type: 'button', class: 'btn btn-2 btn-sm', id: 'seed_hash_btn_' + i, onclick: () => hashSeed(i) }, t('seed_compute')))),
        h('div', { class: 'rowacts' },
          C && r.status === 'open' && r.orig && h('button', { type: 'button', class: 'btn btn-danger btn-sm', id: `close_round_${i + 1}_btn`, 'data-round': i + 1, onclick: () => closeRound(i + 1) }, t('close_round', { n: i + 1 })),
          !(L && r.orig) && !(C && M.rounds.length === 1) && rowBtn('round_del_' + i, t('remove'), t('remove_round', { n: i + 1 }), () => redo(() => M.rounds.splice(i, 1), '#add_round_btn'))));
    });
    return sec('sec_rounds', t('sec_rounds'), t('h_rounds'),
      h('p', { class: 'err', 'data-err': 'rounds', id: 'err_rounds' }),
      !M.rounds.length && h('p', { class: 'box inner', id: 'rounds_default_note' }, t('rounds_default')),
      h('div', { id: 'rounds' }, rows),
      !L && h('button', { type: 'button', class: 'btn btn-2', id: 'add_round_btn', onclick: addRound }, t('add_round')));
  }

  function addRound() {
    redo(() => {
      const last = M.rounds[M.rounds.length - 1];
      if (!last) M.rounds.push({ number: 1, opens_at: M.opens_at, closes_at: M.closes_at, seed: '' });
      else {
        const o = last.closes_at, c = new Date(Date.parse(o) + 7 * 864e5).toISOString();
        M.rounds.push({ number: M.rounds.length + 1, opens_at: o, closes_at: c, seed: '' });
      }
    }, '#round_opens_' + M.rounds.length);
  }

  async function hashSeed(i) {
    const s = $('#seed_secret_' + i).value;
    if (!s) { $('#seed_secret_' + i).focus(); return; }
    const d = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(s));
    const hex = [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, '0')).join('');
    const inp = $('#round_seed_' + i);
    inp.value = hex;
    dirty = true;
    inp.focus();
  }

  function secAttempts() {
    const tl = Number(M.tmin || 0) * 60 + Number(M.tsec || 0);
    const qLocked = lockedField('topic_quotas');
    return sec('sec_attempts', t('sec_attempts'), null,
      h('div', { class: 'grid3' },
        numField('f_questions_per_attempt', M.qpa, { label: t('f_qpa'), hint: t('h_qpa'), path: 'questions_per_attempt', min: 1, max: 200, disabled: lockedField('questions_per_attempt') }),
        numField('f_max_attempts', M.max_attempts, { label: t('f_max_attempts'), hint: t('h_max_attempts'), path: 'max_attempts', min: 1, max: 100, disabled: lockedField('max_attempts') }),
        numField('f_grace_secs', M.grace, { label: t('f_grace'), hint: t('h_grace'), path: 'grace_secs', min: 0, max: 300, disabled: lockedField('grace_secs') })),
      h('fieldset', { class: 'field row-err-host', id: 'time_limit_group', 'aria-describedby': 'time_limit_hint err_time_limit_secs' },
        h('legend', null, t('f_time_limit'), lockNote('time_limit_secs')),
        h('p', { class: 'hint', id: 'time_limit_hint' }, t('h_time_limit')),
        h('div', { class: 'inline' },
          input('f_time_min', { type: 'number', inputmode: 'numeric', min: 0, max: 1440, value: M.tmin, class: 'num-in', disabled: lockedField('time_limit_secs'), oninput: showSecs }),
          h('label', { class: 'sub', for: 'f_time_min' }, t('minutes')),
          input('f_time_sec', { type: 'number', inputmode: 'numeric', min: 0, max: 59, value: M.tsec, class: 'num-in', disabled: lockedField('time_limit_secs'), oninput: showSecs }),
          h('label', { class: 'sub', for: 'f_time_sec' }, t('seconds')),
          h('output', { id: 'time_total', for: 'f_time_min f_time_sec' }, t('total_secs', { n: num(tl) }))),
        h('p', { class: 'err', 'data-err': 'time_limit_secs', id: 'err_time_limit_secs' })),
      checkField({ id: 'f_shuffle_options', label: [t('f_shuffle'), lockNote('shuffle_options')], hint: t('h_shuffle'), checked: M.shuffle, disabled: lockedField('shuffle_options'), path: 'shuffle_options' }),
      field({ label: [t('f_reveal'), lockNote('reveal')], hint: t('h_reveal'), path: 'reveal',
        control: select('f_reveal', [['after_submit', t('rv_after_submit')], ['after_round_closes', t('rv_after_round_closes')], ['never', t('rv_never')]], M.reveal, { disabled: lockedField('reveal') }) }),
      h('fieldset', { class: 'field sub-sec row-err-host', id: 'quotas_group' },
        h('legend', null, t('f_quotas'), lockNote('topic_quotas')),
        h('p', { class: 'hint' }, t('h_quotas')),
        h('p', { class: 'err', 'data-err': 'topic_quotas', id: 'err_topic_quotas' }),
        h('datalist', { id: 'topics_dl' }, topics.map((x) => h('option', { value: x.code }, x.name))),
        !M.quotas.length && h('p', { class: 'muted', id: 'no_quotas' }, t('no_quotas')),
        h('div', { id: 'topic_quotas' }, M.quotas.map((q, i) => h('div', { class: 'qrow', 'data-row': i },
          field({ label: t('f_quota_topic'), path: `topic_quotas[${i}].topic`, control: input('quota_topic_' + i, { value: q.topic, list: 'topics_dl', disabled: qLocked, spellcheck: 'false' }) }),
          field({ label: t('f_quota_count'), path: `topic_quotas[${i}].count`, control: input('quota_count_' + i, { type: 'number', min: 1, max: 200, value: q.count, class: 'num-in', disabled: qLocked }) }),
          !qLocked && rowBtn('quota_del_' + i, t('remove'), t('remove_row', { n: i + 1 }), () => redo(() => M.quotas.splice(i, 1), '#add_quota_btn'))))),
        !qLocked && h('button', { type: 'button', class: 'btn btn-2', id: 'add_quota_btn', onclick: () => redo(() => M.quotas.push({ topic: '', count: '1' }), '#quota_topic_' + M.quotas.length) }, t('add_quota')),
        topics.length ? h('p', { class: 'hint' }, t('topics_are'), ' ', topics.map((x, i) => [i ? '; ' : '', h('code', { class: 'code' }, x.code), ' ', x.name])) : null));
  }

  function showSecs() {
    const n = (Number($('#f_time_min').value) || 0) * 60 + (Number($('#f_time_sec').value) || 0);
    $('#time_total').textContent = t('total_secs', { n: num(n) });
  }

  function secRegistration() {
    const cl = lockedField('categories');
    return sec('sec_registration', t('sec_registration'), null,
      checkField({ id: 'f_require_national_id', label: [t('f_require_nid'), lockNote('require_national_id')], hint: t('h_require_nid'), checked: M.nid, disabled: lockedField('require_national_id'), path: 'require_national_id' }),
      checkField({ id: 'f_require_pin', label: [t('f_require_pin'), lockNote('require_pin')], hint: t('h_require_pin'), checked: M.pin, disabled: lockedField('require_pin'), path: 'require_pin' }),
      h('fieldset', { class: 'field sub-sec row-err-host', id: 'categories_group' },
        h('legend', null, t('f_categories'), lockNote('categories')),
        h('p', { class: 'hint' }, t('h_categories')),
        h('p', { class: 'err', 'data-err': 'categories', id: 'err_categories' }),
        !M.categories.length && h('p', { class: 'muted', id: 'no_categories' }, t('no_categories')),
        h('div', { id: 'categories' }, M.categories.map((c, i) => h('div', { class: 'qrow', 'data-row': i },
          field({ label: t('f_cat_code'), path: `categories[${i}].code`, control: input('cat_code_' + i, { value: c.code, disabled: cl, class: 'mono', spellcheck: 'false', autocapitalize: 'none', maxlength: 64 }) }),
          field({ label: t('f_cat_name'), path: `categories[${i}].name`, cls: 'grow', control: input('cat_name_' + i, { value: c.name, disabled: cl, maxlength: 300 }) }),
          !cl && rowBtn('cat_del_' + i, t('remove'), t('remove_row', { n: i + 1 }), () => redo(() => M.categories.splice(i, 1), '#add_category_btn'))))),
        !cl && h('button', { type: 'button', class: 'btn btn-2', id: 'add_category_btn', onclick: () => redo(() => M.categories.push({ code: '', name: '' }), '#cat_code_' + M.categories.length) }, t('add_category'))));
  }

  function secRanking() {
    const pl = lockedField('prediction'), tl = lockedField('tie_breaks');
    const unused = TIE_KEYS.filter((k) => !M.tie_breaks.includes(k) && (k !== 'prediction_error' || M.pred_on));
    const n = M.tie_breaks.length;
    return sec('sec_ranking', t('sec_ranking'), null,
      checkField({ id: 'f_prediction_on', label: [t('f_prediction_on'), lockNote('prediction')], hint: t('h_prediction_on'), checked: M.pred_on, disabled: pl, path: 'prediction',
        onchange: (e) => redo(() => {
          M.pred_on = e.target.checked;
          const at = M.tie_breaks.indexOf('prediction_error');
          if (!M.pred_on && at >= 0) M.tie_breaks.splice(at, 1);
          if (M.pred_on && at < 0) M.tie_breaks.splice(Math.min(1, M.tie_breaks.length), 0, 'prediction_error');
        }, '#f_prediction_on') }),
      M.pred_on && h('div', { class: 'indent', id: 'prediction_fields' },
        field({ label: t('f_prediction_question'), hint: t('h_prediction_question'), path: 'prediction.question',
          control: h('textarea', { id: 'f_prediction_question', name: 'f_prediction_question', rows: 2, maxlength: 1000, disabled: pl, value: M.pred_q }) }),
        field({ label: t('f_prediction_target'), hint: t('h_prediction_target'), path: 'prediction.target',
          control: select('f_prediction_target', [['perfect_attempts', t('pt_perfect_attempts')], ['participants', t('pt_participants')], ['attempts', t('pt_attempts')]], M.pred_target, { disabled: pl }) })),
      h('fieldset', { class: 'field sub-sec row-err-host', id: 'tie_breaks_group' },
        h('legend', null, t('f_tie_breaks'), lockNote('tie_breaks')),
        h('p', { class: 'hint' }, t('h_tie_breaks')),
        h('p', { class: 'err', 'data-err': 'tie_breaks', id: 'err_tie_breaks' }),
        h('ol', { id: 'tie_breaks', class: 'tblist' }, M.tie_breaks.map((k, i) => h('li', { 'data-key': k },
          h('span', { class: 'tbname' }, t('tb_' + k)),
          h('span', { class: 'tbacts' },
            rowBtn('tb_up_' + k, '↑', t('move_up', { x: t('tb_' + k) }), () => redo(() => swap(M.tie_breaks, i, i - 1), i - 1 > 0 ? '#tb_up_' + k : '#tb_down_' + k), tl || i === 0),
            rowBtn('tb_down_' + k, '↓', t('move_down', { x: t('tb_' + k) }), () => redo(() => swap(M.tie_breaks, i, i + 1), i + 2 < n ? '#tb_down_' + k : '#tb_up_' + k), tl || i === n - 1),
            rowBtn('tb_del_' + k, '✕', t('remove_x', { x: t('tb_' + k) }), () => redo(() => M.tie_breaks.splice(i, 1), '#tb_add'), tl || n === 1))))),
        !tl && unused.length > 0 && h('div', { class: 'inline' },
          h('label', { for: 'tb_add', class: 'sub' }, t('tb_add_label')),
          select('tb_add', unused.map((k) => [k, t('tb_' + k)]), unused[0]),
          h('button', { type: 'button', class: 'btn btn-2 btn-sm', id: 'tb_add_btn', onclick: () => { const k = $('#tb_add').value; redo(() => M.tie_breaks.push(k), '#tb_up_' + k); } }, t('add')))),
      // Never locked: only what the public page shows changes.
      h('fieldset', { class: 'field sub-sec row-err-host', id: 'leaderboard_group' },
        h('legend', null, t('lb_sub')),
        checkField({ id: 'f_public_leaderboard', label: t('f_public_leaderboard'), hint: t('h_public_leaderboard'), checked: M.lb_on, path: 'public_leaderboard' }),
        numField('f_leaderboard_size', M.lb_size, { label: t('f_leaderboard_size'), hint: t('h_leaderboard_size'), path: 'leaderboard_size', min: 1, max: 100 })));
  }

  function secPrizes() {
    const pz = lockedField('prizes');
    const tiers = M.tiers.map((x, i) => h('fieldset', { class: 'rowbox row-err-host', 'data-tier': i, id: 'tier_row_' + i },
      h('legend', null, t('tier_n', { n: i + 1 }), x.name ? ': ' + x.name : ''),
      h('p', { class: 'err', 'data-err': `prizes.individual[${i}]`, id: 'err_tier_' + i }),
      h('div', { class: 'qrow tierrow' },
        field({ label: t('f_tier_code'), path: `prizes.individual[${i}].tier`, control: input('tier_code_' + i, { value: x.tier, disabled: pz, class: 'mono', maxlength: 32, spellcheck: 'false', autocapitalize: 'none' }) }),
        field({ label: t('f_tier_name'), path: `prizes.individual[${i}].name`, control: input('tier_name_' + i, { value: x.name, disabled: pz, maxlength: 100 }) }),
        field({ label: t('f_tier_count'), path: `prizes.individual[${i}].count`, control: input('tier_count_' + i, { type: 'number', min: 1, max: 10000, value: x.count, disabled: pz, class: 'num-in' }) }),
        field({ label: t('f_tier_min'), path: `prizes.individual[${i}].min_score`, control: input('tier_min_' + i, { type: 'number', min: 0, value: x.min, disabled: pz, class: 'num-in' }) }),
        field({ label: t('f_tier_kind'), path: `prizes.individual[${i}].kind`,
          control: select('tier_kind_' + i, [['ranked', t('kind_ranked')], ['lottery', t('kind_lottery')]], x.kind, { disabled: pz, onchange: () => redo(() => {}, '#tier_kind_' + i) }) }),
        x.kind === 'lottery' && field({ label: t('f_tier_eligible'), path: `prizes.individual[${i}].eligible`,
          control: select('tier_eligible_' + i, [['perfect_without_prize', t('el_perfect_without_prize')], ['any_without_prize', t('el_any_without_prize')]], x.eligible, { disabled: pz }) })),
      !pz && h('div', { class: 'rowacts' },
        rowBtn('tier_up_' + i, '↑', t('move_up', { x: t('tier_n', { n: i + 1 }) }), () => redo(() => swap(M.tiers, i, i - 1), '#tier_up_' + (i - 1)), i === 0),
        rowBtn('tier_down_' + i, '↓', t('move_down', { x: t('tier_n', { n: i + 1 }) }), () => redo(() => swap(M.tiers, i, i + 1), '#tier_down_' + (i + 1)), i === M.tiers.length - 1),
        rowBtn('tier_del_' + i, t('remove'), t('remove_x', { x: t('tier_n', { n: i + 1 }) }), () => redo(() => M.tiers.splice(i, 1), '#add_tier_btn')))));
    return sec('sec_prizes', t('sec_prizes'), pz ? t('h_prizes_locked') : null,
      h('p', { class: 'err', 'data-err': 'prizes', id: 'err_prizes' }),
      h('h3', null, t('prizes_individual')),
      h('p', { class: 'hint' }, t('h_tiers')),
      h('div', { id: 'tiers' }, tiers),
      !pz && h('button', { type: 'button', class: 'btn btn-2', id: 'add_tier_btn', onclick: () => redo(() => M.tiers.push({ tier: '', name: '', count: '1', min: '', kind: 'ranked', eligible: 'perfect_without_prize' }), '#tier_code_' + M.tiers.length) }, t('add_tier')),
      field({ label: t('f_pools'), hint: t('h_pools'), path: 'prizes.pools',
        control: select('f_pools', [['all', t('pools_all')], ['by_category', t('pools_by_category')]], M.pools, { disabled: pz }) }),
      checkField({ id: 'f_exclude_previous_winners', label: t('f_exclude_prev'), hint: t('h_exclude_prev'), checked: M.exclude_prev, disabled: pz, path: 'prizes.exclude_previous_winners' }),
      h('h3', null, t('prizes_collective')),
      checkField({ id: 'f_collective_on', label: t('f_collective_on'), hint: t('h_collective_on'), checked: M.coll_on, disabled: pz, path: 'prizes.collective',
        onchange: (e) => redo(() => { M.coll_on = e.target.checked; }, '#f_collective_on') }),
      M.coll_on && h('div', { class: 'indent', id: 'collective_fields' },
        h('div', { class: 'grid3' },
          field({ label: t('f_coll_count'), hint: t('h_coll_count'), path: 'prizes.collective.count', control: input('f_coll_count', { type: 'number', min: 0, max: 10000, value: M.coll_count, disabled: pz, class: 'num-in' }) }),
          field({ label: t('f_coll_rank_by'), hint: t('h_coll_rank_by'), path: 'prizes.collective.rank_by',
            control: select('f_coll_rank_by', [['participation_rate', t('rb_participation_rate')], ['participants', t('rb_participants')]], M.coll_rank_by, { disabled: pz }) }),
          field({ label: t('f_coll_min_participants'), hint: t('h_coll_min_participants'), optional: true, path: 'prizes.collective.min_participants', control: input('f_coll_min_participants', { type: 'number', min: 0, value: M.coll_min_part, disabled: pz, class: 'num-in' }) })),
        checkField({ id: 'f_coll_per_block', label: t('f_coll_per_block'), hint: t('h_coll_per_block'), checked: M.coll_per_block, disabled: pz, path: 'prizes.collective.per_block' }),
        field({ label: t('f_coll_min_rate'), hint: t('h_coll_min_rate'), optional: true, path: 'prizes.collective.min_rate', control: input('f_coll_min_rate', { type: 'number', min: 0, max: 100, step: 'any', value: M.coll_min_rate, disabled: pz, class: 'num-in inl' }), after: h('span', { class: 'unit' }, ' %') }),
        h('fieldset', { class: 'field sub-sec row-err-host', id: 'bands_group' },
          h('legend', null, t('f_rate_bands')),
          h('p', { class: 'hint' }, t('h_rate_bands')),
          h('p', { class: 'err', 'data-err': 'prizes.collective.rate_bands', id: 'err_rate_bands' }),
          !M.bands.length && h('p', { class: 'muted', id: 'no_bands' }, t('no_bands')),
          h('div', { id: 'rate_bands' }, M.bands.map((b, i) => h('div', { class: 'qrow', 'data-row': i },
            field({ label: t('f_band_max'), hint: i === M.bands.length - 1 ? t('h_band_last') : null, optional: true, path: `prizes.collective.rate_bands[${i}].max_headcount`, control: input('band_max_' + i, { type: 'number', min: 1, value: b.max, disabled: pz, class: 'num-in' }) }),
            field({ label: t('f_band_rate'), path: `prizes.collective.rate_bands[${i}].min_rate`, control: input('band_rate_' + i, { type: 'number', min: 0, max: 100, step: 'any', value: b.rate, disabled: pz, class: 'num-in inl' }), after: h('span', { class: 'unit' }, ' %') }),
            !pz && rowBtn('band_del_' + i, t('remove'), t('remove_row', { n: i + 1 }), () => redo(() => M.bands.splice(i, 1), '#add_band_btn'))))),
          !pz && h('button', { type: 'button', class: 'btn btn-2', id: 'add_band_btn', onclick: () => redo(() => M.bands.push({ max: '', rate: '' }), '#band_max_' + M.bands.length) }, t('add_band'))),
        checkField({ id: 'f_coll_require_individual', label: t('f_coll_require_individual'), hint: t('h_coll_require_individual'), checked: M.coll_req_ind, disabled: pz, path: 'prizes.collective.require_individual_prize' })));
  }

  // ---------- saving ----------
  function placeErrors(fields, focus) {
    const list = showErrors(main, fields);
    const host = $('#form_error_host');
    clear(host, list.length ? errorSummary('form_error', list) : null);
    if (focus && list.length) $('#form_error').focus();
    return list;
  }

  async function save(e) {
    e.preventDefault();
    if (saving) return;
    read();
    const { body, errs } = toBody(M, isNew);
    const st = $('#save_status');
    if (Object.keys(errs).length) {
      formErrs = errs;
      placeErrors(errs, true);
      say(st, t('not_saved_fix'), 'err');
      return;
    }
    let send = body;
    if (!isNew) {
      send = {};
      for (const k of Object.keys(body)) if (JSON.stringify(body[k]) !== JSON.stringify(baseBody[k])) send[k] = body[k];
      if (!Object.keys(send).length) { formErrs = null; placeErrors({}, false); say(st, t('nothing_changed'), ''); dirty = false; return; }
    }
    saving = true;
    const btn = $('#save_contest_btn');
    btn.disabled = true;
    say(st, t('saving'), '');
    try {
      const c = isNew ? await post('/admin/contests', send) : await patch(adm(slug), send);
      rememberContest(c);
      if (gone) return;
      dirty = false;
      formErrs = null;
      if (isNew) {
        flash = t('created', { title: c.title });
        saving = false;
        ctx.go('/admin/c/' + encodeURIComponent(c.slug), true);
        return;
      }
      C = c; M = fromContest(c); baseBody = toBody(M, false).body;
      render();
      say($('#save_status'), t('saved_at', { at: fmtAt(new Date().toISOString()) }), 'ok');
      $('#save_contest_btn').focus();
    } catch (ex) {
      if (gone) return;
      btn.disabled = false;
      let fields = ex.fields;
      if (ex.code === 'slug_taken') fields = { slug: 'slug_taken' };
      if (fields) {
        formErrs = fields;
        placeErrors(fields, true);
        say(st, ex.code === 'locked_field' ? t('e_locked_field') : t('not_saved_fix'), 'err');
      } else {
        say(st, errText(ex), 'err');
      }
    } finally {
      saving = false;
    }
  }

  async function closeRound(n) {
    const r = C.rounds.find((x) => x.number === n);
    const ok = await confirmDlg({
      title: t('close_round_q', { n }),
      body: [h('p', null, t('close_round_expl', { n, grace: C.grace_secs })), h('p', null, h('strong', null, t('close_round_final'))),
        r && h('p', { class: 'hint' }, t('close_round_sched', { at: fmtAt(r.closes_at) }))],
      ok: t('close_round', { n }), danger: true,
    });
    if (!ok) return;
    const st = $('#save_status');
    try {
      read();
      const c = await post(adm(slug, `/rounds/${n}/close`));
      rememberContest(c);
      if (gone) return;
      const keep = dirty ? M : null;
      C = c;
      M = fromContest(c);
      baseBody = toBody(M, false).body;
      if (keep) {
        // Unsaved edits are kept; rounds take the server's new state with the typed values.
        const fresh = M.rounds;
        M = { ...keep, rounds: fresh.map((r, i) => (keep.rounds[i] ? { ...r, seed: keep.rounds[i].seed, closes_at: keep.rounds[i].closes_at } : r)) };
      }
      render();
      const msg = h('p', { class: 'box ok-box', role: 'status', id: 'round_closed_msg' }, t('round_closed', { n }));
      $('#sec_rounds').prepend(msg);
      msg.tabIndex = -1;
      msg.focus();
    } catch (ex) {
      say(st, errText(ex), 'err');
      const b = $(`#close_round_${n}_btn`);
      if (b) b.after(h('p', { class: 'err', role: 'alert' }, errText(ex)));
    }
  }

  load();
  return {
    onLang() { if (M && !err) { read(); render(); } else if (err) render(); },
    canLeave: () => !dirty,
    unmount() { gone = true; },
  };
}

function swap(a, i, j) { if (j < 0 || j >= a.length) return; [a[i], a[j]] = [a[j], a[i]]; }

function slugify(s) {
  return fold(s).replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 64).replace(/-+$/, '');
}

