// /admin/c/{slug}/results: a round's state, the live leaderboard, preview and finalize,
// versions (downloads, comparison) and publication.
import { t, lang, errText } from '../i18n.js';
import {
  h, clear, $, field, input, table, loading, errorBox, confirmDlg, showErrors, contestHead, badge, fmtAt, num, pct, link,
} from '../ui.js';
import { get, post, adm, url, contestOf, rememberContest } from '../api.js';

/** How often the live leaderboard is fetched again while the page is visible. */
const LIVE_EVERY_MS = 10000;

const p2 = (n) => String(n).padStart(2, '0');
/** Duration as mm:ss (minutes may exceed 59). */
export const mmss = (ms) => {
  if (ms == null || !Number.isFinite(ms)) return '—';
  const s = Math.max(0, Math.floor(ms / 1000));
  return p2(Math.floor(s / 60)) + ':' + p2(s % 60);
};
/** "3f2a9c01b7e4…" with the whole hash in the title. */
const shortSha = (sha, id) => h('code', { class: 'code', title: sha || '', id }, sha ? sha.slice(0, 12) + '…' : '—');

/** The text explaining why a winner is where they are, in the page's language. */
export function explanationText(p) {
  const e = p && p.explanation;
  if (typeof e === 'string' && e) return e;
  if (e && typeof e === 'object') {
    const s = lang() === 'en' ? e.text_en || e.text_vi : e.text_vi || e.text_en;
    if (s) return s;
  }
  if (p && p.decided_by) return t('res_decided_by', { k: t('tb_' + p.decided_by) });
  return '';
}

/** The default round: the open one, else the last closed one, else the first. */
function defaultRound(rounds) {
  const open = rounds.find((r) => r.status === 'open');
  if (open) return open.number;
  const closed = rounds.filter((r) => r.status === 'closed');
  if (closed.length) return closed[closed.length - 1].number;
  return rounds.length ? rounds[0].number : 1;
}

export function mount(main, [slug], ctx) {
  const S = {
    C: null, err: null, n: null, seed: '',
    versions: null, versionsErr: null,
    board: null, boardErr: null,
    shown: null, // {kind: 'preview'|'final'|'version', r}
    diff: null, diffErr: null, busy: false,
  };
  let gone = false, timer = 0, boardGen = 0;
  const rbase = () => adm(slug, '/rounds/' + S.n);
  const round = () => (S.C && (S.C.rounds || []).find((r) => r.number === S.n)) || null;
  const tz = () => (S.C && S.C.timezone) || 'Asia/Ho_Chi_Minh';
  const at = (iso) => (iso ? fmtAt(iso, tz()) : '—');
  const noAccess = () => ctx.user() && ctx.user().role === 'unit_manager';

  async function load() {
    S.err = null;
    clear(main, loading());
    if (noAccess()) { renderNoAccess(); ctx.ready(); return; }
    try {
      S.C = await contestOf(slug, true);
    } catch (e) { S.err = e; }
    if (gone) return;
    if (S.err && S.err.status === 403) { renderNoAccess(); ctx.ready(); return; }
    if (!S.err) {
      const want = Number(new URLSearchParams(location.search).get('round'));
      const rounds = S.C.rounds || [];
      S.n = rounds.some((r) => r.number === want) ? want : defaultRound(rounds);
    }
    render();
    ctx.ready();
    if (!S.err) loadRound();
  }

  function renderNoAccess() {
    ctx.title(t('tab_results'));
    clear(main, h('h1', null, t('results_h')), h('div', { class: 'box note', id: 'no_access' }, h('p', null, t('results_no_access'))),
      h('p', null, link('/admin', t('nav_contests'))));
  }

  /** Everything that depends on the chosen round, fetched again. */
  async function loadRound() {
    S.versions = null; S.versionsErr = null; S.board = null; S.boardErr = null; S.shown = null; S.diff = null; S.diffErr = null;
    drawAll();
    await Promise.all([loadVersions(), loadBoard()]);
    startLive();
  }

  async function loadVersions() {
    const n = S.n;
    try {
      const v = await get(rbase() + '/results');
      if (gone || n !== S.n) return;
      S.versions = v || []; S.versionsErr = null;
    } catch (e) {
      if (gone || n !== S.n) return;
      S.versionsErr = e;
      if (e.status === 403) return renderNoAccess();
    }
    drawVersions();
    updateNext();
  }

  /** The "next version" line under the finalize buttons, without redrawing the seed field. */
  function updateNext() {
    const e = $('#finalize_next');
    if (e) e.textContent = S.versions ? t('res_next_version', { v: S.versions.length + 1 }) : '';
  }

  async function loadBoard() {
    const n = S.n, gen = ++boardGen;
    try {
      const b = await get(rbase() + '/leaderboard', { limit: 50 });
      if (gone || n !== S.n || gen !== boardGen) return;
      S.board = b; S.boardErr = null;
    } catch (e) {
      if (gone || n !== S.n || gen !== boardGen) return;
      S.boardErr = e;
    }
    drawBoard();
  }

  // ---------- the live leaderboard's refresh: every 10 s while the page is visible ----------
  function startLive() {
    stopLive();
    if (gone || document.visibilityState === 'hidden') return;
    // Nothing to poll when the server has no such board (404) or refuses it.
    if (S.boardErr && S.boardErr.status >= 400 && S.boardErr.status < 500 && S.boardErr.status !== 429) return;
    timer = setInterval(() => { if (document.visibilityState !== 'hidden') loadBoard(); }, LIVE_EVERY_MS);
  }
  function stopLive() { clearInterval(timer); timer = 0; }
  function onVisibility() {
    if (gone || !S.n) return;
    if (document.visibilityState === 'hidden') stopLive();
    else { loadBoard().then(startLive); }
  }
  document.addEventListener('visibilitychange', onVisibility);

  // ---------- rendering ----------
  function render() {
    if (gone) return;
    const title = S.C ? S.C.title : slug;
    ctx.title(t('tab_results') + ' – ' + title);
    if (S.err) return clear(main, contestHead(slug, 'results', title), h('h1', null, t('results_h')), errorBox(S.err, load));
    const rounds = S.C.rounds || [];
    clear(main,
      contestHead(slug, 'results', title),
      h('h1', null, t('results_of', { title })),
      h('p', { class: 'hint' }, t('results_intro')),
      rounds.length > 0 && h('div', { class: 'field narrow' },
        h('label', { for: 'round_select' }, t('res_round')),
        h('select', { id: 'round_select', onchange: (e) => chooseRound(Number(e.target.value)) },
          rounds.map((r) => h('option', { value: r.number, selected: r.number === S.n }, t('round_n', { n: r.number }) + ' · ' + t('st_' + r.status))))),
      h('div', { id: 'round_state_host' }),
      h('div', { id: 'live_host' }),
      h('div', { id: 'finalize_host' }),
      h('div', { id: 'result_host' }),
      h('div', { id: 'versions_host' }));
    showTab();
    drawAll();
  }

  /** On a phone the tabs scroll sideways: bring this page's tab into view (never the page). */
  function showTab() {
    const tab = $('#tab_results'), ul = tab && tab.closest('ul');
    if (ul && ul.scrollWidth > ul.clientWidth) ul.scrollLeft = tab.offsetLeft - ul.offsetLeft - 16;
  }

  function drawAll() {
    drawState(); drawBoard(); drawFinalize(); drawResult(); drawVersions();
  }

  function chooseRound(n) {
    if (n === S.n) return;
    readSeed();
    S.n = n; S.seed = '';
    history.replaceState(null, '', location.pathname + '?round=' + n);
    loadRound();
  }

  function sec(id, title, ...kids) {
    return h('section', { class: 'box sec', id, 'aria-labelledby': id + '_h' }, h('h2', { id: id + '_h' }, title), kids);
  }

  /** An error line with the friendly text, then the server's own message and code. */
  function errLine(id, e) {
    if (!e) return h('p', { class: 'err', id, role: 'alert' });
    const server = e.message && e.message !== e.code ? e.message : '';
    return h('div', { class: 'box err-box', id, role: 'alert', tabindex: '-1', 'data-code': e.code || '' },
      h('p', null, errText(e)),
      (e.code || server) && h('p', { class: 'hint srv' }, t('res_server_said'), ' ', server && [server, ' '], e.code && h('code', { class: 'code' }, e.code)));
  }

  // ---------- the round: state and closing ----------
  function drawState() {
    const host = $('#round_state_host');
    if (!host) return;
    const r = round();
    if (!r) return clear(host, h('p', { class: 'box note', id: 'round_state' }, t('res_no_round')));
    const end = r.closed_early_at || r.closes_at;
    const finalFrom = new Date(Date.parse(end) + (S.C.grace_secs || 0) * 1000).toISOString();
    clear(host, sec('round_state', t('round_n', { n: r.number }),
      h('p', null, badge(r.status), ' ', h('span', { class: 'hint' }, t('res_times_in', { tz: tz() }))),
      h('dl', { class: 'facts res-facts' },
        h('div', null, h('dt', null, t('f_round_opens')), h('dd', { id: 'round_opens' }, at(r.opens_at))),
        h('div', null, h('dt', null, t('f_round_closes')), h('dd', { id: 'round_closes' }, at(r.closes_at))),
        r.closed_early_at && h('div', null, h('dt', null, t('res_closed_early')), h('dd', { id: 'round_closed_early' }, at(r.closed_early_at))),
        r.status !== 'upcoming' && h('div', null, h('dt', null, t('res_final_from')), h('dd', { id: 'finalize_from' }, at(finalFrom)))),
      r.status === 'closed' && h('p', { class: 'hint' }, t('res_grace_note', { grace: S.C.grace_secs })),
      r.status === 'open' && h('div', { class: 'rowacts left' },
        h('button', { type: 'button', class: 'btn btn-danger', id: 'close_round_btn', onclick: closeRound }, t('close_round', { n: r.number }))),
      h('div', { id: 'close_msg_host' })));
  }

  async function closeRound() {
    const r = round();
    if (!r) return;
    const n = r.number;
    const ok = await confirmDlg({
      title: t('close_round_q', { n }),
      body: [h('p', null, t('close_round_expl', { n, grace: S.C.grace_secs })), h('p', null, h('strong', null, t('close_round_final'))),
        h('p', { class: 'hint' }, t('close_round_sched', { at: at(r.closes_at) }))],
      ok: t('close_round', { n }), danger: true,
    });
    if (!ok || gone) return;
    try {
      const c = await post(adm(slug, `/rounds/${n}/close`));
      rememberContest(c);
      if (gone) return;
      S.C = c;
      readSeed();
      render();
      loadBoard();
      const msg = h('p', { class: 'box ok-box', role: 'status', id: 'round_closed_msg', tabindex: '-1' }, t('round_closed', { n }));
      clear($('#close_msg_host'), msg);
      msg.focus();
    } catch (e) {
      if (gone) return;
      const host = $('#close_msg_host');
      if (host) { clear(host, errLine('close_error', e)); $('#close_error').focus(); }
    }
  }

  // ---------- live leaderboard ----------
  function drawBoard() {
    const host = $('#live_host');
    if (!host) return;
    const b = S.board;
    // Redrawn every 10 s: keep the table's sideways scroll and the keyboard focus on it.
    const oldWrap = host.querySelector('.tbl-wrap');
    const keep = oldWrap ? { left: oldWrap.scrollLeft, focus: oldWrap.contains(document.activeElement) } : null;
    let body;
    if (S.boardErr) body = errLine('live_error', S.boardErr);
    else if (!b) body = loading();
    else if (!b.entries || !b.entries.length) body = h('p', { class: 'muted', id: 'live_empty' }, t('res_live_empty'));
    else {
      body = table('live_table', t('res_live_h'), [t('res_rank'), t('res_name'), t('res_unit'), t('res_score'), t('res_correct'), t('res_time'), t('res_submitted')],
        b.entries.map((e) => h('tr', { 'data-participant': e.participant_id, 'data-rank': e.rank },
          h('td', { class: 'num' }, e.rank),
          h('td', null, e.name),
          h('td', null, e.unit_name || e.unit_code || '—'),
          h('td', { class: 'num' }, num(e.score)),
          h('td', { class: 'num' }, e.total != null ? num(e.correct) + '/' + num(e.total) : num(e.correct)),
          h('td', { class: 'num' }, mmss(e.duration_ms)),
          h('td', { class: 'nowrap' }, at(e.submitted_at)))));
    }
    clear(host, sec('live_board', t('res_live_h'),
      h('p', { class: 'box note inner', id: 'live_note' }, t('res_live_note')),
      b && h('p', { class: 'hint', id: 'live_status', 'data-live': b.live ? 'true' : 'false' },
        b.live ? t('res_live_on') : t('res_live_off'), ' · ', t('res_live_participants', { n: num(b.participants) }),
        b.updated_at && [' · ', t('res_live_updated', { at: at(b.updated_at) })]),
      body));
    const wrap = host.querySelector('.tbl-wrap');
    if (wrap && keep) {
      wrap.scrollLeft = keep.left;
      if (keep.focus) wrap.focus({ preventScroll: true });
    }
  }

  // ---------- preview and finalize ----------
  function readSeed() { const e = $('#draw_seed'); if (e) S.seed = e.value; }

  function drawFinalize() {
    const host = $('#finalize_host');
    if (!host) return;
    const r = round();
    if (!r) return clear(host);
    readSeed();
    const committed = !!r.draw_seed_sha256;
    const nextV = S.versions ? S.versions.length + 1 : null;
    clear(host, sec('finalize_sec', t('res_finalize_h'),
      h('p', { class: 'hint' }, t('res_finalize_intro')),
      h('p', { id: 'seed_note', 'data-committed': committed ? 'true' : 'false', class: committed ? 'ok-note' : 'warn-note' },
        committed ? [t('res_seed_committed'), ' ', shortSha(r.draw_seed_sha256, 'seed_commitment')] : t('res_seed_uncommitted')),
      h('form', { id: 'finalize_form', novalidate: true, onsubmit: (e) => { e.preventDefault(); preview(); } },
        field({ label: t('res_seed'), hint: committed ? t('res_seed_hint_c') : t('res_seed_hint_u'), path: 'draw_seed',
          control: input('draw_seed', { value: S.seed, class: 'mono', maxlength: 200, spellcheck: 'false', autocapitalize: 'none', required: true, oninput: (e) => { S.seed = e.target.value; } }) }),
        h('div', { class: 'inline' },
          h('button', { type: 'submit', class: 'btn btn-2', id: 'preview_btn', disabled: S.busy }, t('res_preview')),
          h('button', { type: 'button', class: 'btn', id: 'finalize_btn', disabled: S.busy, onclick: finalize }, t('res_finalize'))),
        h('p', { class: 'hint', id: 'finalize_next' }, nextV ? t('res_next_version', { v: nextV }) : ''),
        h('div', { id: 'finalize_error_host' }))));
  }

  function seedOrComplain() {
    readSeed();
    const seed = S.seed;
    const form = $('#finalize_form');
    showErrors(form, seed.trim() ? {} : { draw_seed: 'required' });
    clear($('#finalize_error_host'));
    if (!seed.trim()) { $('#draw_seed').focus(); return null; }
    return seed;
  }

  function showFinalizeError(e) {
    const form = $('#finalize_form');
    if (!form) return;
    if (e.fields) showErrors(form, e.fields);
    else if (e.code === 'seed_mismatch') showErrors(form, { draw_seed: 'seed_mismatch' });
    clear($('#finalize_error_host'), errLine('finalize_error', e));
    $('#finalize_error').focus();
  }

  function setBusy(b) {
    S.busy = b;
    for (const id of ['preview_btn', 'finalize_btn', 'publish_btn']) { const x = $('#' + id); if (x) x.disabled = b; }
  }

  async function preview() {
    const seed = seedOrComplain();
    if (seed == null || S.busy) return;
    const n = S.n;
    setBusy(true);
    const st = $('#finalize_error_host');
    clear(st, h('p', { role: 'status', class: 'hint' }, t('res_computing')));
    try {
      const r = await post(rbase() + '/preview', { draw_seed: seed });
      if (gone || n !== S.n) return;
      clear($('#finalize_error_host'));
      S.shown = { kind: 'preview', r };
      drawResult(true);
    } catch (e) {
      if (gone || n !== S.n) return;
      showFinalizeError(e);
    } finally {
      setBusy(false);
    }
  }

  async function finalize() {
    const seed = seedOrComplain();
    if (seed == null || S.busy) return;
    const n = S.n;
    const v = S.versions ? S.versions.length + 1 : null;
    const ok = await confirmDlg({
      title: t('res_finalize_q', { n }),
      body: [h('p', null, v ? t('res_finalize_expl_v', { v }) : t('res_finalize_expl')), h('p', null, t('res_finalize_expl2'))],
      ok: t('res_finalize'),
    });
    if (!ok || gone || n !== S.n) return;
    setBusy(true);
    try {
      const r = await post(rbase() + '/finalize', { draw_seed: seed });
      if (gone || n !== S.n) return;
      clear($('#finalize_error_host'));
      S.shown = { kind: 'final', r };
      drawResult(true);
      await loadVersions();
    } catch (e) {
      if (gone || n !== S.n) return;
      showFinalizeError(e);
    } finally {
      setBusy(false);
    }
  }

  // ---------- a result: preview, just finalized, or a stored version ----------
  function tierLabel(tier, fallback) {
    const x = ((S.C.prizes && S.C.prizes.individual) || []).find((i) => i.tier === tier);
    return (x && x.name) || fallback || tier;
  }
  function poolLabel(pool) {
    if (!pool) return '';
    const c = (S.C.categories || []).find((x) => x.code === pool);
    return c ? c.name : pool;
  }

  /** Prizes grouped by tier (and pool), in rank order of each group's first winner. */
  function groups(prizes) {
    const out = new Map();
    for (const p of prizes || []) {
      const k = p.tier + '\u0000' + (p.pool || '');
      if (!out.has(k)) out.set(k, { tier: p.tier, tier_name: p.tier_name, pool: p.pool || null, list: [] });
      out.get(k).list.push(p);
    }
    return [...out.values()];
  }

  function drawResult(focus) {
    const host = $('#result_host');
    if (!host) return;
    const s = S.shown;
    if (!s) return clear(host);
    const r = s.r;
    const pred = !!S.C.prediction;
    const heading = s.kind === 'preview' ? t('res_preview_h') : s.kind === 'final' ? t('res_final_h', { v: r.version }) : t('res_version_h', { v: r.version });
    const view = h('section', { class: 'box sec result-view' + (s.kind === 'preview' ? ' is-preview' : ''), id: 'result_view', 'data-kind': s.kind, 'data-version': r.version == null ? '' : r.version, 'aria-labelledby': 'result_view_h' },
      h('h2', { id: 'result_view_h', tabindex: '-1' }, heading),
      s.kind === 'preview' && h('p', { class: 'box note inner', id: 'preview_note' }, t('res_preview_note')),
      s.kind === 'final' && h('p', { class: 'box ok-box inner', id: 'finalized_msg', role: 'status' }, t('res_finalized', { v: r.version })),
      h('dl', { class: 'facts res-facts' },
        pred && h('div', null, h('dt', null, t('res_actual')), h('dd', { id: 'result_actual' }, r.actual == null ? '—' : num(r.actual))),
        h('div', null, h('dt', null, t('res_seed_status')), h('dd', { id: 'result_seed_committed', 'data-committed': r.seed_committed ? 'true' : 'false' }, r.seed_committed ? t('res_seed_was_committed') : t('res_seed_not_committed'))),
        r.finalized_at && s.kind !== 'preview' && h('div', null, h('dt', null, t('res_finalized_at')), h('dd', null, at(r.finalized_at))),
        r.created_by && h('div', null, h('dt', null, t('res_by')), h('dd', null, r.created_by)),
        s.kind === 'version' && h('div', null, h('dt', null, t('res_published')), h('dd', null, r.published_at ? at(r.published_at) : t('res_not_published'))),
        h('div', null, h('dt', null, t('res_sha')), h('dd', null, h('code', { class: 'code sha', id: 'result_sha' }, r.export_sha256 || '—')))),
      r.needs_refinalize && h('p', { class: 'box err-box inner' }, h('span', { class: 'badge b-bad' }, t('res_needs_refinalize')), ' ', t('res_needs_refinalize_expl')),
      h('h3', null, t('prizes_individual')),
      !(r.prizes || []).length && h('p', { class: 'muted', id: 'no_prizes' }, t('res_no_prizes')),
      h('div', { id: 'result_tiers' }, groups(r.prizes).map((g) => h('section', { class: 'tier-box', 'data-tier': g.tier, 'data-pool': g.pool || '' },
        h('h4', null, tierLabel(g.tier, g.tier_name), g.pool && h('span', { class: 'muted' }, ' · ', poolLabel(g.pool)), ' ', h('span', { class: 'hint' }, t('res_n_winners', { n: g.list.length }))),
        table('tier_' + g.tier + (g.pool ? '_' + g.pool : ''), tierLabel(g.tier, g.tier_name), [t('res_rank'), t('res_participant'), t('res_outcome')],
          g.list.map((p) => {
            const why = explanationText(p);
            return [h('tr', { 'data-participant': p.participant_id, 'data-rank': p.rank, class: why ? 'has-expl' : null },
              h('td', { class: 'num' }, p.rank),
              h('td', { class: 'who' }, h('strong', null, p.name), h('br'), h('span', { class: 'muted' }, p.unit_name || p.unit_code)),
              h('td', { class: 'outcome' },
                h('span', { class: 'ln' }, t('res_score_short', { s: num(p.score) })),
                p.correct != null && p.correct !== p.score && h('span', { class: 'ln muted' }, t('res_n_correct', { n: p.correct })),
                h('span', { class: 'ln' }, h('span', { class: 'sr-only' }, t('res_time'), ': '), mmss(p.duration_ms)),
                pred && h('span', { class: 'ln muted' }, t('res_pred_short', { p: p.prediction == null ? '—' : num(p.prediction) }),
                  p.prediction_error != null ? ' (±' + num(p.prediction_error) + ')' : ''))),
            why && h('tr', { class: 'expl-row', 'data-for': p.participant_id }, h('td', { colspan: 3 }, h('p', { class: 'expl' }, why)))];
          }))))),
      ((r.unawarded || []).length > 0 || r.collective_unawarded > 0) && [
        h('h3', null, t('res_unawarded_h')),
        h('ul', { id: 'unawarded' },
          (r.unawarded || []).map((u) => h('li', { 'data-tier': u.tier, 'data-count': u.count },
            t('res_unawarded', { tier: tierLabel(u.tier), n: u.count }), u.pool && [' (', poolLabel(u.pool), ')'])),
          r.collective_unawarded > 0 && h('li', { 'data-tier': 'collective', 'data-count': r.collective_unawarded }, t('res_coll_unawarded', { n: r.collective_unawarded })))],
      S.C.prizes && S.C.prizes.collective && [
        h('h3', null, t('prizes_collective')),
        (r.collective || []).length ? table('collective_table', t('prizes_collective'), [t('res_rank'), t('res_unit'), t('res_block'), t('res_participants'), t('res_rate')],
          r.collective.map((u) => h('tr', { 'data-unit': u.unit_code },
            h('td', { class: 'num' }, u.rank), h('td', null, u.unit_name, ' ', h('span', { class: 'muted' }, '(', u.unit_code, ')')),
            h('td', null, u.block || '—'), h('td', { class: 'num' }, num(u.participants)), h('td', { class: 'num' }, pct(u.participation_rate)))))
          : h('p', { class: 'muted', id: 'no_collective' }, t('res_no_collective'))]);
    clear(host, view);
    if (focus) { view.scrollIntoView({ block: 'start' }); $('#result_view_h').focus({ preventScroll: true }); }
  }

  async function viewVersion(v) {
    const n = S.n;
    try {
      const r = await get(rbase() + '/results/' + v);
      if (gone || n !== S.n) return;
      S.shown = { kind: 'version', r };
      drawResult(true);
    } catch (e) {
      if (gone || n !== S.n) return;
      clear($('#versions_msg_host'), errLine('version_error', e));
    }
  }

  // ---------- versions, downloads, comparison, publication ----------
  function drawVersions() {
    const host = $('#versions_host');
    if (!host) return;
    if (S.versionsErr) return clear(host, sec('versions_sec', t('res_versions_h'), errLine('versions_error', S.versionsErr)));
    if (!S.versions) return clear(host, sec('versions_sec', t('res_versions_h'), loading()));
    const vs = S.versions;
    const latest = vs.length ? vs[vs.length - 1] : null;
    const dl = (v, file, label) => h('a', { href: url(rbase() + '/results/' + v + '/' + file), download: '', id: 'dl_' + file.replace('.', '_') + '_' + v, 'data-file': file }, label);
    clear(host, sec('versions_sec', t('res_versions_h'),
      h('p', { class: 'hint' }, t('res_versions_intro')),
      !vs.length ? h('p', { class: 'muted', id: 'no_versions' }, t('res_no_versions'))
        : table('versions_table', t('res_versions_h'), [t('res_version'), t('res_finalized_at'), t('res_downloads'), t('actions')],
          vs.map((v) => h('tr', { 'data-version': v.version, 'data-published': v.published_at ? 'true' : 'false', 'data-needs-refinalize': v.needs_refinalize ? 'true' : 'false' },
            h('td', { class: 'vcell' },
              h('strong', { class: 'ln' }, 'v' + v.version, v === latest && h('span', { class: 'muted' }, ' (', t('res_latest'), ')')),
              v.published_at ? h('span', { class: 'badge b-open ln-b' }, t('res_published_at', { at: at(v.published_at) })) : h('span', { class: 'muted ln' }, t('res_not_published')),
              v.needs_refinalize && h('span', { class: 'badge b-bad ln-b', title: t('res_needs_refinalize_expl') }, t('res_needs_refinalize'))),
            h('td', null,
              h('span', { class: 'ln nowrap' }, at(v.created_at)),
              h('span', { class: 'ln muted' }, t('res_by_x', { x: v.created_by })),
              h('span', { class: 'ln' }, h('span', { class: 'sr-only' }, t('res_sha'), ': '), shortSha(v.export_sha256))),
            h('td', { class: 'dls' }, dl(v.version, 'winners.xlsx', t('dl_winners_xlsx')), dl(v.version, 'ranking.xlsx', t('dl_ranking_xlsx')),
              dl(v.version, 'export.csv', t('dl_export_csv')), dl(v.version, 'rules.json', t('dl_rules_json'))),
            h('td', { class: 'acts' }, h('button', { type: 'button', class: 'btn btn-2 btn-sm', 'data-action': 'view', id: 'view_v' + v.version, 'aria-label': t('res_view_v', { v: v.version }), onclick: () => viewVersion(v.version) }, t('res_view')))))),
      h('div', { id: 'versions_msg_host' }),
      latest && publishBlock(latest),
      vs.length >= 2 && compareBlock(vs)));
    if (S.diff || S.diffErr) drawDiff();
  }

  function publishBlock(latest) {
    const n = S.n;
    return h('div', { class: 'sub-sec', id: 'publish_block' },
      h('h3', null, t('res_publish_h')),
      latest.published_at
        ? h('p', { id: 'publish_state', 'data-published': 'true' }, t('res_latest_published', { v: latest.version, at: at(latest.published_at) }), ' ',
          h('a', { href: '/c/' + encodeURIComponent(slug) + '/winners', id: 'public_winners_link' }, t('res_public_winners'), ' ↗'))
        : [h('p', { class: 'hint', id: 'publish_state', 'data-published': 'false' }, t('res_publish_intro', { v: latest.version })),
          latest.needs_refinalize && h('p', { class: 'err' }, t('res_publish_stale')),
          h('button', { type: 'button', class: 'btn', id: 'publish_btn', disabled: S.busy, onclick: () => publish(n, latest) }, t('res_publish', { v: latest.version }))],
      h('div', { id: 'publish_msg_host' }));
  }

  async function publish(n, latest) {
    const ok = await confirmDlg({
      title: t('res_publish_q', { v: latest.version }),
      body: [h('p', null, t('res_publish_expl', { n })), latest.needs_refinalize && h('p', { class: 'err' }, t('res_publish_stale'))],
      ok: t('res_publish', { v: latest.version }),
    });
    if (!ok || gone || n !== S.n) return;
    setBusy(true);
    try {
      const p = await post(rbase() + '/publish');
      if (gone || n !== S.n) return;
      await loadVersions();
      const host = $('#publish_msg_host');
      if (host) {
        const msg = h('p', { class: 'box ok-box', role: 'status', id: 'published_msg', tabindex: '-1' }, t('res_published_msg', { v: p.version, at: at(p.published_at) }));
        clear(host, msg);
        msg.focus();
      }
    } catch (e) {
      if (gone || n !== S.n) return;
      const host = $('#publish_msg_host');
      if (host) { clear(host, errLine('publish_error', e)); $('#publish_error').focus(); }
    } finally {
      setBusy(false);
    }
  }

  function compareBlock(vs) {
    const opts = (sel) => vs.map((v) => h('option', { value: v.version, selected: v.version === sel }, 'v' + v.version));
    const from = S.diff ? S.diff.from : vs[vs.length - 2].version;
    const to = S.diff ? S.diff.to : vs[vs.length - 1].version;
    return h('div', { class: 'sub-sec', id: 'compare_block' },
      h('h3', null, t('res_compare_h')),
      h('p', { class: 'hint' }, t('res_compare_intro')),
      h('div', { class: 'inline' },
        h('label', { for: 'diff_from', class: 'sub' }, t('res_from')), h('select', { id: 'diff_from' }, opts(from)),
        h('label', { for: 'diff_to', class: 'sub' }, t('res_to')), h('select', { id: 'diff_to' }, opts(to)),
        h('button', { type: 'button', class: 'btn btn-2 btn-sm', id: 'diff_btn', onclick: compare }, t('res_compare'))),
      h('div', { id: 'diff_host' }));
  }

  async function compare() {
    const from = Number($('#diff_from').value), to = Number($('#diff_to').value);
    const n = S.n;
    if (from === to) { S.diff = null; S.diffErr = { code: 'same_version', message: '' }; return drawDiff(); }
    try {
      const d = await get(rbase() + '/results/diff', { from, to });
      if (gone || n !== S.n) return;
      S.diff = d; S.diffErr = null;
    } catch (e) {
      if (gone || n !== S.n) return;
      S.diff = null; S.diffErr = e;
    }
    drawDiff();
  }

  const KIND_CLS = { added: 'b-open', removed: 'b-bad', tier_changed: 'b-upcoming', rank_changed: 'b-closed' };
  const kindBadge = (k) => h('span', { class: 'badge ' + (KIND_CLS[k] || 'b-closed'), 'data-kind': k }, t('dk_' + k));
  const side = (x) => (x ? [h('strong', null, x.tier_name || (x.tier ? tierLabel(x.tier) : t('res_no_prize'))), ' · ', t('res_rank_n', { n: x.rank }), ' · ',
    h('span', { class: 'muted' }, t('res_score_short', { s: num(x.score) }), x.correct != null ? ' · ' + t('res_n_correct', { n: x.correct }) : '', ' · ', mmss(x.duration_ms),
      x.prediction_error != null ? ' · ±' + num(x.prediction_error) : '')] : h('span', { class: 'muted' }, '—'));

  function drawDiff() {
    const host = $('#diff_host');
    if (!host) return;
    if (S.diffErr) return clear(host, S.diffErr.code === 'same_version' ? h('p', { class: 'err', id: 'diff_error', role: 'alert' }, t('res_same_version')) : errLine('diff_error', S.diffErr));
    const d = S.diff;
    if (!d) return clear(host);
    const reason = (c) => (lang() === 'en' ? c.reason_en || c.reason_vi : c.reason_vi || c.reason_en) || '';
    const changes = d.changes || [], coll = d.collective_changes || [];
    clear(host, h('div', { id: 'diff_result', 'data-identical': d.identical ? 'true' : 'false' },
      h('p', { id: 'diff_summary', role: 'status', class: d.identical ? 'ok-note' : '' },
        d.identical ? t('res_identical', { a: d.from, b: d.to }) : t('res_n_changes', { a: d.from, b: d.to, n: changes.length, m: coll.length })),
      h('dl', { class: 'facts res-facts' },
        h('div', null, h('dt', null, t('res_sha') + ' v' + d.from), h('dd', null, shortSha(d.from_sha256))),
        h('div', null, h('dt', null, t('res_sha') + ' v' + d.to), h('dd', null, shortSha(d.to_sha256))),
        (d.actual_from != null || d.actual_to != null) && d.actual_from !== d.actual_to &&
          h('div', null, h('dt', null, t('res_actual_short')), h('dd', { id: 'diff_actual' }, num(d.actual_from), ' → ', num(d.actual_to)))),
      changes.length > 0 && h('ul', { class: 'diff-list', id: 'diff_list' }, changes.map((c) => h('li', { 'data-kind': c.kind, 'data-participant': c.participant_id },
        h('p', { class: 'diff-who' }, kindBadge(c.kind), ' ', h('strong', null, c.name), c.unit_code && h('span', { class: 'muted' }, ' · ', c.unit_code)),
        h('dl', { class: 'diff-sides' },
          h('div', null, h('dt', null, 'v' + d.from), h('dd', null, side(c.from))),
          h('div', null, h('dt', null, 'v' + d.to), h('dd', null, side(c.to)))),
        reason(c) && h('p', { class: 'reason' }, h('span', { class: 'sr-only' }, t('res_reason'), ': '), reason(c))))),
      coll.length > 0 && [h('h4', null, t('prizes_collective')), h('ul', { id: 'diff_collective' }, coll.map((c) => h('li', { 'data-kind': c.kind, 'data-unit': c.unit_code },
        kindBadge(c.kind), ' ', c.unit_name || c.unit_code, ': ', c.from_rank == null ? '—' : t('res_rank_n', { n: c.from_rank }), ' → ', c.to_rank == null ? '—' : t('res_rank_n', { n: c.to_rank }))))]));
  }

  load();
  return {
    onLang() {
      if (noAccess() || (S.err && S.err.status === 403)) return renderNoAccess();
      if (!S.C && !S.err) return;
      readSeed();
      render();
    },
    unmount() { gone = true; stopLive(); document.removeEventListener('visibilitychange', onVisibility); },
  };
}
