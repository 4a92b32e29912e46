// /admin/c/{slug}/dashboard (`?round=n`): live statistics of a contest or one of its rounds.
// Counters refreshed every 15 s while the tab is visible (no reload), charts (attempts per
// day, participation rate per unit, score and duration histograms), the unit table (sortable,
// filterable) and the downloads. A unit manager gets the same page for their own unit (the API
// restricts every figure to it); what makes no sense for one unit is left out.
import { t, lang, errText } from '../i18n.js';
import { h, clear, $, loading, errorBox, contestHead, num, debounce, UNIT_MANAGER_TABS } from '../ui.js';
import { get, adm, url, contestOf } from '../api.js';
import { fold, matches } from '../../util/fold.js';
import { barChart, histogram, hbarChart, widthOf } from '../charts.js';

/** How often the figures are fetched again while the page is visible. */
export const EVERY_MS = 15000;

const p2 = (n) => String(n).padStart(2, '0');
const locale = () => (lang() === 'en' ? 'en-GB' : 'vi-VN');

/** A ratio as a percentage with exactly one decimal: 0.04 → "4,0 %"; null → "—". */
export function pct1(x) {
  if (x == null || !Number.isFinite(x)) return '—';
  try {
    return new Intl.NumberFormat(locale(), { minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(x * 100) + ' %';
  } catch {
    return (Math.round(x * 1000) / 10).toFixed(1) + ' %';
  }
}

/** Milliseconds as m:ss (h:mm:ss from an hour): 245000 → "4:05". */
export function duration(ms) {
  if (ms == null || !Number.isFinite(ms)) return '—';
  const s = Math.round(ms / 1000);
  const hh = Math.floor(s / 3600), mm = Math.floor((s % 3600) / 60), ss = s % 60;
  return hh ? hh + ':' + p2(mm) + ':' + p2(ss) : mm + ':' + p2(ss);
}

/** "14:03:12" in the browser's time. */
const clock = (d) => p2(d.getHours()) + ':' + p2(d.getMinutes()) + ':' + p2(d.getSeconds());

/** "2026-11-25" → "25/11" (short) or "25/11/2026". */
const dayText = (iso, long) => {
  const [y, m, d] = String(iso).split('-');
  return long ? d + '/' + m + '/' + y : d + '/' + m;
};

/** Every calendar day from the first to the last row's, the missing ones with zeros. */
export function fillDays(rows) {
  const byDate = new Map(rows.filter((r) => r && r.date).map((r) => [r.date, r]));
  const dates = [...byDate.keys()].sort();
  if (!dates.length) return [];
  const out = [];
  const end = Date.parse(dates[dates.length - 1] + 'T00:00:00Z');
  for (let at = Date.parse(dates[0] + 'T00:00:00Z'), n = 0; at <= end && n < 800; at += 86400000, n++) {
    const d = new Date(at).toISOString().slice(0, 10);
    out.push(byDate.get(d) || { date: d, attempts: 0, participants: 0, perfect_attempts: 0 });
  }
  return out;
}

// The unit table's columns: key, heading, text or number, how a value shows.
const COLS = [
  ['unit_code', 'dash_col_code', 'text'],
  ['unit_name', 'dash_col_name', 'text'],
  ['block', 'dash_col_block', 'text'],
  ['headcount', 'dash_col_headcount', 'num'],
  ['participants', 'dash_col_participants', 'num'],
  ['attempts', 'dash_col_attempts', 'num'],
  ['perfect_participants', 'dash_col_perfect_participants', 'num'],
  ['perfect_attempts', 'dash_col_perfect_attempts', 'num'],
  ['participation_rate', 'dash_col_rate', 'num'],
  ['mean_score', 'dash_col_mean', 'num'], // when the server gives it
];

/** Sorts unit rows by `key` (missing numbers last in either direction, then by code). */
export function sortUnits(rows, key, desc) {
  const col = COLS.find((c) => c[0] === key);
  if (!col) return rows.slice();
  const numeric = col[2] === 'num';
  return rows.slice().sort((a, b) => {
    const x = a[key], y = b[key];
    const nx = x == null || x === '', ny = y == null || y === '';
    if (nx !== ny) return nx ? 1 : -1;
    let c = 0;
    if (!nx) c = numeric ? x - y : String(x).localeCompare(String(y), 'vi', { numeric: true, sensitivity: 'base' });
    if (desc) c = -c;
    return c || String(a.unit_code).localeCompare(String(b.unit_code), 'vi', { numeric: true });
  });
}

export function mount(main, [slug], ctx) {
  const user = ctx.user();
  const manager = user.role === 'unit_manager';
  const full = !manager; // admins and organizers: every unit, and the participants export
  let info = null; // {title, rounds: [{number, opens_at, closes_at, status?}]}
  let round = new URLSearchParams(location.search).get('round') || '';
  let sum = null, units = null, days = null; // days: null while unknown or not served
  let daysServed = true; // false once the server said 404 for stats/days
  let err = null, gone = false, timer = 0, seq = 0, busy = false;
  let lastAt = 0, refreshes = 0, refreshErr = null, prevCounters = null;
  let sortKey = '', desc = false, block = '', query = '';
  const drawn = new Map(); // chart host id → what it was drawn from (to skip identical redraws)
  let cols = COLS; // the table's columns: those the server's rows have

  const base = (rest) => adm(slug, rest);
  const scope = () => (round ? { round } : {});
  const qs = (o) => {
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries(o)) if (v != null && v !== '') p.set(k, String(v));
    const s = p.toString();
    return s ? '?' + s : '';
  };

  async function loadInfo() {
    if (full) {
      try {
        const c = await contestOf(slug);
        return { title: c.title, rounds: c.rounds || [] };
      } catch (e) {
        if (e.status !== 403) throw e;
      }
    }
    // Unit managers may not read the settings: the public page has the title and rounds.
    try {
      const c = await get('/contests/' + encodeURIComponent(slug));
      return { title: c.title, rounds: c.rounds || [] };
    } catch {
      return { title: slug, rounds: [] };
    }
  }

  /**
   * Fetches every figure of the scope. A 404 from stats/days while the summary answers means
   * the server has no daily figures: the chart is left out from then on.
   */
  async function fetchAll() {
    const MISSING = {};
    const [s, u, d] = await Promise.all([
      get(base('/stats'), scope()),
      get(base('/stats/units'), { ...scope(), format: 'json' }),
      daysServed ? get(base('/stats/days'), { ...scope(), format: 'json' }).catch((e) => {
        if (e.status === 404 || e.status === 405) return MISSING;
        throw e;
      }) : null,
    ]);
    if (d === MISSING) daysServed = false;
    return { s, u: Array.isArray(u) ? u : [], d: Array.isArray(d) ? d : d && Array.isArray(d.days) ? d.days : null };
  }

  async function load() {
    err = null;
    clear(main, loading());
    const my = ++seq;
    try {
      info = await loadInfo();
      const r = await fetchAll();
      if (my !== seq) return;
      ({ s: sum, u: units, d: days } = r);
      lastAt = Date.now();
      refreshes++;
    } catch (e) {
      err = e;
    }
    if (gone || my !== seq) return;
    render();
    ctx.ready();
    schedule();
  }

  /**
   * Fetches again and updates the page in place. `manual` (the button, a new round): always
   * fetches and announces; the timer's refresh is skipped while another fetch is on its way.
   * An answer that a newer fetch has overtaken is dropped.
   */
  async function refresh(manual) {
    if (gone || (busy && !manual)) return;
    busy = true;
    clearTimeout(timer);
    timer = 0;
    const my = ++seq;
    const btn = $('#dash_refresh_btn');
    if (btn) btn.setAttribute('aria-busy', 'true');
    try {
      const r = await fetchAll();
      if (gone || my !== seq) return;
      ({ s: sum, u: units, d: days } = r);
      lastAt = Date.now();
      refreshes++;
      refreshErr = null;
      update(manual);
    } catch (e) {
      if (gone || my !== seq) return;
      refreshErr = e;
      stamp();
    } finally {
      if (my === seq) {
        busy = false;
        const b = $('#dash_refresh_btn');
        if (b) b.removeAttribute('aria-busy');
        if (!gone) schedule();
      }
    }
  }

  /** The next refresh: 15 s after the last one, only while the page is visible. */
  function schedule() {
    clearTimeout(timer);
    timer = 0;
    if (gone || document.hidden || err) return;
    const wait = Math.max(0, EVERY_MS - (Date.now() - lastAt));
    timer = setTimeout(() => refresh(false), wait);
  }

  function onVisibility() {
    if (gone) return;
    if (document.hidden) { clearTimeout(timer); timer = 0; return; }
    schedule(); // at once when the figures are older than 15 s
  }

  // Charts are drawn at the width they get: draw again when it changes (phone turned, window
  // resized, a scroll bar appearing).
  const onResize = debounce(() => { if (!gone && sum) drawCharts(); }, 150);
  const watcher = typeof ResizeObserver === 'function' ? new ResizeObserver(onResize) : null;

  document.addEventListener('visibilitychange', onVisibility);
  if (!watcher) window.addEventListener('resize', onResize);

  function setRound(v) {
    round = v;
    prevCounters = null; // another scope: nothing has "changed"
    const path = location.pathname + (round ? '?round=' + encodeURIComponent(round) : '');
    history.replaceState(null, '', path);
    setDownloads();
    refresh(true);
  }

  const onFilter = debounce((e) => { if (query !== e.target.value) { query = e.target.value; drawTable(); } }, 150);

  // ---------- the page ----------
  const ownUnit = () => (manager && units && units[0]) || null;

  function render() {
    if (gone) return;
    const title = info ? info.title : slug;
    ctx.title(t('dash_tab') + ' – ' + title);
    const head = contestHead(slug, 'dashboard', title, manager ? { only: UNIT_MANAGER_TABS } : undefined);
    if (err) {
      // 404: no such round (the address), or, for a unit manager, no unit of theirs here.
      const noRound = err.status === 404 && round;
      const msg = noRound ? t('dash_no_round', { n: round }) : manager && err.status === 404 ? t('dash_no_own_unit', { u: user.unit_code || '—' }) : err;
      return clear(main, head, h('h1', null, t('dash_h')), errorBox(msg, err.status === 404 ? null : load),
        noRound && h('p', null, h('button', { type: 'button', class: 'btn btn-2', id: 'dash_whole_btn', onclick: () => { round = ''; history.replaceState(null, '', location.pathname); load(); } }, t('dash_whole'))));
    }
    drawn.clear();
    const own = ownUnit();
    cols = COLS.filter(([key]) => key !== 'mean_score' || (units || []).some((u) => 'mean_score' in u));
    clear(main,
      head,
      h('h1', null, t('dash_h')),
      manager && h('p', { class: 'box note', id: 'dash_own_unit' },
        h('strong', null, t('dash_own_unit', { u: own ? own.unit_code + ' – ' + own.unit_name : user.unit_code || '—' })), ' ',
        t('dash_own_unit_expl')),
      h('div', { class: 'dash-bar' },
        h('div', { class: 'field' },
          h('label', { for: 'dash_round' }, t('dash_scope')),
          h('select', { id: 'dash_round', onchange: (e) => setRound(e.target.value) },
            h('option', { value: '', selected: !round }, t('dash_whole')),
            ((info && info.rounds) || []).map((r) => h('option', { value: String(r.number), selected: String(r.number) === round },
              t('round_n', { n: r.number }) + (r.status === 'open' ? ' – ' + t('st_open').toLowerCase() : ''))))),
        h('div', { class: 'dash-live' },
          h('p', { id: 'dash_updated', class: 'dash-upd' }),
          h('button', { type: 'button', class: 'btn btn-2 btn-sm', id: 'dash_refresh_btn', onclick: () => refresh(true) }, t('dash_refresh')))),
      h('p', { id: 'dash_live', class: 'sr-only', role: 'status', 'aria-live': 'polite', 'aria-atomic': 'true' }),
      h('section', { class: 'dash-sec', 'aria-labelledby': 'dash_counters_h' },
        h('h2', { id: 'dash_counters_h', class: 'sr-only' }, t('dash_counters_h')),
        h('dl', { id: 'dash_counters', class: 'ctrs' })),
      h('section', { class: 'box dash-dl', id: 'dash_downloads', 'aria-labelledby': 'dash_dl_h' },
        h('h2', { id: 'dash_dl_h' }, t('dash_dl_h')),
        h('p', { class: 'hint', id: 'dash_dl_scope' }),
        h('ul', { class: 'dl-list' },
          h('li', null, h('a', { id: 'dl_units_xlsx', class: 'btn btn-2 btn-sm', download: '' }, t('dash_dl_units_xlsx'))),
          h('li', null, h('a', { id: 'dl_units_csv', class: 'btn btn-2 btn-sm', download: '' }, t('dash_dl_units_csv'))),
          h('li', null, h('a', { id: 'dl_report_xlsx', class: 'btn btn-2 btn-sm', download: '' }, t('dash_dl_report'))),
          full && h('li', null, h('a', { id: 'dl_participants_xlsx', class: 'btn btn-2 btn-sm', download: '' }, t('dash_dl_participants'))),
          full && h('li', null, h('a', { id: 'dl_participants_csv', class: 'btn btn-2 btn-sm', download: '' }, t('dash_dl_participants_csv')))),
        full && h('p', { class: 'hint' }, t('dash_dl_personal'))),
      h('section', { class: 'dash-sec', 'aria-labelledby': 'dash_charts_h' },
        h('h2', { id: 'dash_charts_h' }, t('dash_charts_h')),
        h('div', { class: 'charts', id: 'dash_charts' },
          h('div', { class: 'box chart-box wide', id: 'box_days' }, h('div', { class: 'chart-host', id: 'host_days' })),
          full && h('div', { class: 'box chart-box wide', id: 'box_units' }, h('div', { class: 'chart-host', id: 'host_units' })),
          h('div', { class: 'box chart-box', id: 'box_scores' }, h('div', { class: 'chart-host', id: 'host_scores' })),
          h('div', { class: 'box chart-box', id: 'box_durations' }, h('div', { class: 'chart-host', id: 'host_durations' })))),
      h('section', { class: 'dash-sec', 'aria-labelledby': 'dash_units_h' },
        h('h2', { id: 'dash_units_h' }, manager ? t('dash_units_h_own') : t('dash_units_h')),
        full && h('div', { class: 'filters' },
          h('div', { class: 'field' },
            h('label', { for: 'dash_block' }, t('dash_block')),
            h('select', { id: 'dash_block', onchange: (e) => { block = e.target.value; drawTable(); } })),
          h('div', { class: 'field grow' },
            h('label', { for: 'dash_filter' }, t('dash_filter')),
            h('input', { type: 'search', id: 'dash_filter', autocomplete: 'off', value: query, oninput: onFilter, onchange: onFilter })),
          h('p', { id: 'dash_units_shown', class: 'muted', role: 'status' })),
        // One unit (a unit manager's): its figures one per line; else a row per unit.
        manager ? h('div', { class: 'tbl-wrap narrow' },
          h('table', { id: 'dash_units', class: 'tbl tbl-kv' },
            h('caption', { id: 'dash_units_cap' }, t('dash_units_h_own')),
            h('tbody', null)))
          : h('div', { class: 'tbl-wrap', role: 'region', 'aria-labelledby': 'dash_units_cap', tabindex: '0' },
            h('table', { id: 'dash_units', class: 'tbl' },
              h('caption', { id: 'dash_units_cap' }, t('dash_units_cap')),
              h('thead', null, h('tr', null, cols.map(([key, label, kind]) => h('th', { scope: 'col', class: kind === 'num' ? 'num' : null, 'data-col': key },
                h('button', { type: 'button', class: 'sort', 'data-sort': key, onclick: () => sortBy(key) }, t(label), h('span', { class: 'sort-ind', 'aria-hidden': 'true' })))))),
              h('tbody', null))),
        h('p', { class: 'hint' }, manager ? t('dash_rate_expl') : t('dash_sort_hint'))));
    setDownloads();
    update(false);
    if (watcher) { watcher.disconnect(); watcher.observe($('#dash_charts')); }
    // On a phone the tabs scroll sideways: show this one.
    const tab = $('#tab_dashboard'), strip = tab && tab.closest('ul');
    if (strip && strip.scrollWidth > strip.clientWidth) strip.scrollLeft = Math.max(0, tab.offsetLeft - strip.offsetLeft - 24);
  }

  /** Everything that depends on the figures, in place (focus and filters stay). */
  function update(announce) {
    if (gone || !sum) return;
    drawCounters(announce);
    drawCharts();
    drawBlocks();
    drawTable();
    stamp();
  }

  function stamp() {
    const el = $('#dash_updated');
    if (!el) return;
    const at = lastAt ? clock(new Date(lastAt)) : '—';
    el.dataset.n = String(refreshes);
    el.dataset.kind = refreshErr ? 'err' : 'ok';
    el.textContent = refreshErr ? t('dash_update_failed', { at, why: errText(refreshErr) })
      : t('dash_updated_at', { at }) + ' ' + t('dash_auto', { n: EVERY_MS / 1000 });
  }

  function counters() {
    const own = ownUnit();
    const list = [
      ['participants', sum.participants, num(sum.participants)],
      ['attempts', sum.attempts, num(sum.attempts)],
      ['perfect_participants', sum.perfect_participants, num(sum.perfect_participants)],
      ['perfect_attempts', sum.perfect_attempts, num(sum.perfect_attempts)],
    ];
    if (full) list.push(['units', sum.units_participating, num(sum.units_participating) + '/' + num(sum.units_total)]);
    else list.push(['rate', own ? own.participation_rate : null, pct1(own ? own.participation_rate : null)]);
    list.push(['in_progress', sum.in_progress, num(sum.in_progress)]);
    if ('mean_score' in sum) list.push(['mean_score', sum.mean_score, sum.mean_score == null ? '—' : num(sum.mean_score, 2)]);
    if ('median_duration_ms' in sum) list.push(['median_duration', sum.median_duration_ms, duration(sum.median_duration_ms)]);
    return list;
  }

  function drawCounters(announce) {
    const dl = $('#dash_counters');
    if (!dl) return;
    const list = counters();
    const before = prevCounters || {};
    const changed = prevCounters ? list.filter(([k, v]) => before[k] !== v) : [];
    clear(dl, list.map(([key, value, text]) => h('div', { class: 'ctr' + (changed.some((c) => c[0] === key) ? ' changed' : ''), 'data-key': key },
      h('dt', null, t('dash_c_' + key)),
      h('dd', { id: 'dash_c_' + key, 'data-value': value == null ? '' : String(value) }, text))));
    prevCounters = Object.fromEntries(list.map(([k, v]) => [k, v]));
    if (announce || changed.length) {
      const live = $('#dash_live');
      if (live) {
        live.textContent = t('dash_updated_at', { at: clock(new Date(lastAt)) }) + ' ' +
          list.slice(0, 4).map(([k, , text]) => t('dash_c_' + k) + ': ' + text).join('; ') + '.';
      }
    }
  }

  // ---------- charts ----------
  function drawOne(hostId, boxId, key, make) {
    const host = $('#' + hostId), box = $('#' + boxId);
    if (!host || !box) return;
    if (key == null) { box.hidden = true; drawn.delete(hostId); return; }
    box.hidden = false;
    const width = widthOf(host);
    const sig = width + '|' + lang() + '|' + key;
    if (drawn.get(hostId) === sig) return;
    // Keep an opened table and the focus across the redraw.
    const wasOpen = !!host.querySelector('details[open]');
    const hadFocus = host.contains(document.activeElement);
    clear(host, make(width));
    drawn.set(hostId, sig);
    const d = host.querySelector('details');
    if (d && wasOpen) d.open = true;
    if (hadFocus) { const su = host.querySelector('summary'); if (su) su.focus(); }
  }

  function drawCharts() {
    // Attempts per day (hidden when the server has no daily figures).
    const dayRows = days ? fillDays(days) : null;
    drawOne('host_days', 'box_days', dayRows ? JSON.stringify(dayRows) : null, (w) => {
      const total = dayRows.reduce((a, r) => a + (r.attempts || 0), 0);
      const top = dayRows.reduce((a, r) => (r.attempts > (a ? a.attempts : -1) ? r : a), null);
      return barChart({
        id: 'chart_days', width: w, title: t('dash_ch_days'),
        summary: dayRows.length ? t('dash_ch_days_sum', { n: num(total), d: dayRows.length, max: num(top ? top.attempts : 0), day: top ? dayText(top.date, true) : '—' }) : t('dash_no_data'),
        bars: dayRows.map((r) => ({ label: dayText(r.date), long: dayText(r.date, true), value: r.attempts || 0 })),
        format: (v) => num(v), xTitle: t('dash_ax_day'), yTitle: t('dash_ax_attempts'),
        cols: [t('dash_ax_day'), t('dash_ax_attempts')],
      });
    });
    // Participation rate per unit, sorted; units without a headcount listed apart.
    if (full) {
      const rated = (units || []).filter((u) => u.headcount > 0 && u.participation_rate != null);
      const apart = (units || []).filter((u) => !(u.headcount > 0 && u.participation_rate != null));
      drawOne('host_units', 'box_units', units && units.length ? JSON.stringify(units.map((u) => [u.unit_code, u.unit_name, u.participation_rate, u.participants])) : null, (w) => {
        const sorted = rated.slice().sort((a, b) => b.participation_rate - a.participation_rate);
        const none = rated.filter((u) => !u.participants).length;
        const summary = sorted.length ? t('dash_ch_units_sum', {
          n: sorted.length, hi: sorted[0].unit_name, hip: pct1(sorted[0].participation_rate),
          lo: sorted[sorted.length - 1].unit_name, lop: pct1(sorted[sorted.length - 1].participation_rate), z: none,
        }) : t('dash_ch_units_none');
        return hbarChart({
          id: 'chart_units', width: w, title: t('dash_ch_units'), summary,
          items: rated.map((u) => ({ key: u.unit_code, label: u.unit_name, value: u.participation_rate, text: pct1(u.participation_rate) })),
          format: pct1, tickFormat: (v) => num(v * 100, 1) + ' %', floor: 0.1, mark: 1, markLabel: '100 %',
          cols: [t('dash_col_name'), t('dash_col_rate')],
          extra: apart.length ? h('p', { id: 'chart_units_apart', class: 'hint' }, h('strong', null, t('dash_no_headcount', { n: apart.length })), ' ',
            apart.map((u) => u.unit_code + ' ' + u.unit_name + ' (' + t('dash_n_people', { n: num(u.participants) }) + ')').join('; ')) : null,
        });
      });
    }
    // Score histogram: attempts by number of right answers.
    const dist = sum.score_distribution || [];
    drawOne('host_scores', 'box_scores', dist.length ? JSON.stringify(dist) : null, (w) => {
      const total = dist.reduce((a, b) => a + b, 0);
      const mode = dist.reduce((m, v, i) => (v > dist[m] ? i : m), 0);
      return histogram({
        id: 'chart_scores', width: Math.min(w, 900), title: t('dash_ch_scores'),
        summary: total ? t('dash_ch_scores_sum', { n: num(total), q: dist.length - 1, p: num(dist[dist.length - 1]), m: mode, mn: num(dist[mode]) }) : t('dash_no_data'),
        bars: dist.map((v, i) => ({ label: String(i), long: t('dash_n_right', { n: i }), value: v })),
        format: (v) => num(v), xTitle: t('dash_ax_right'), yTitle: t('dash_ax_attempts'),
        cols: [t('dash_ax_right'), t('dash_ax_attempts')],
      });
    });
    // Duration histogram (when the server gives it).
    const dd = Array.isArray(sum.duration_distribution) ? sum.duration_distribution : null;
    drawOne('host_durations', 'box_durations', dd && dd.length ? JSON.stringify(dd) : null, (w) => {
      const total = dd.reduce((a, b) => a + (b.attempts || 0), 0);
      const secs = (x) => duration(x * 1000);
      return histogram({
        id: 'chart_durations', width: Math.min(w, 900), title: t('dash_ch_durations'),
        summary: total ? t('dash_ch_durations_sum', { n: num(total), m: duration(sum.median_duration_ms) }) : t('dash_no_data'),
        bars: dd.map((b) => ({ label: secs(b.from_secs), long: secs(b.from_secs) + '–' + secs(b.to_secs), value: b.attempts || 0 })),
        edges: [...dd.map((b) => secs(b.from_secs)), secs(dd[dd.length - 1].to_secs)],
        format: (v) => num(v), xTitle: t('dash_ax_duration'), yTitle: t('dash_ax_attempts'),
        cols: [t('dash_ax_duration'), t('dash_ax_attempts')],
      });
    });
  }

  // ---------- the unit table ----------
  function drawBlocks() {
    const sel = $('#dash_block');
    if (!sel) return;
    const blocks = [...new Set((units || []).map((u) => u.block).filter(Boolean))].sort((a, b) => a.localeCompare(b, 'vi'));
    const sig = JSON.stringify(blocks) + lang();
    if (sel.dataset.sig === sig) return;
    sel.dataset.sig = sig;
    if (block && !blocks.includes(block)) block = '';
    clear(sel, h('option', { value: '', selected: !block }, t('dash_all_blocks')),
      blocks.map((b) => h('option', { value: b, selected: b === block }, b)));
  }

  function sortBy(key) {
    if (sortKey === key) desc = !desc;
    else {
      sortKey = key;
      desc = (cols.find((c) => c[0] === key) || [])[2] === 'num'; // numbers: largest first
    }
    drawTable();
  }

  function drawTable() {
    const tb = $('#dash_units tbody');
    if (!tb) return;
    if (manager) return drawOwn(tb);
    for (const th of main.querySelectorAll('#dash_units thead th[data-col]')) {
      const on = th.dataset.col === sortKey;
      if (on) th.setAttribute('aria-sort', desc ? 'descending' : 'ascending');
      else th.removeAttribute('aria-sort');
      th.querySelector('.sort-ind').textContent = on ? (desc ? ' ▼' : ' ▲') : ' ↕';
    }
    const all = units || [];
    const q = fold(query);
    const list = sortUnits(all.filter((u) => (!block || u.block === block) &&
      (!q || matches(fold(u.unit_code + ' ' + u.unit_name + ' ' + u.block), q))), sortKey, desc);
    const shown = $('#dash_units_shown');
    if (shown) shown.textContent = t('dash_units_shown', { n: list.length, t: all.length });
    if (!all.length) return clear(tb, h('tr', { id: 'dash_no_units' }, h('td', { colspan: cols.length }, t('dash_no_units'))));
    if (!list.length) return clear(tb, h('tr', { id: 'dash_no_match' }, h('td', { colspan: cols.length }, t('dash_no_match'))));
    clear(tb, list.map((u) => h('tr', { 'data-code': u.unit_code, 'data-block': u.block, class: u.headcount > 0 && !u.participants ? 'row-warn' : null },
      cols.map(([key]) => cell(u, key)))));
  }

  /** One unit's figures, a line each (the unit manager's table). */
  function drawOwn(tb) {
    const u = ownUnit();
    const table = $('#dash_units');
    if (!u) return clear(tb, h('tr', { id: 'dash_no_units' }, h('td', null, t('dash_no_units'))));
    table.dataset.code = u.unit_code;
    clear(tb, cols.map(([key, label]) => h('tr', { 'data-col': key }, h('th', { scope: 'row' }, t(label)), cell(u, key, true))));
  }

  /** The cell of `key` in a unit's row (`own`: in the one-unit table, names are plain cells). */
  function cell(u, key, own) {
    const v = u[key];
    switch (key) {
      case 'unit_code': return h('td', { class: 'nowrap' }, v);
      case 'unit_name': return own ? h('td', null, v) : h('th', { scope: 'row' }, v);
      case 'block': return h('td', { class: 'blk' }, v);
      case 'participation_rate':
        return h('td', { class: 'num', 'data-rate': v == null ? '' : String(v) },
          v == null ? h('span', { title: t('dash_rate_na') }, '—', h('span', { class: 'sr-only' }, ' ', t('dash_rate_na'))) : pct1(v));
      case 'mean_score': return h('td', { class: 'num' }, v == null ? '—' : num(v, 2));
      default: return h('td', { class: 'num' }, v == null ? '—' : num(v));
    }
  }

  // ---------- downloads ----------
  function setDownloads() {
    const sc = scope();
    const set = (id, href) => { const a = $('#' + id); if (a) a.href = href; };
    set('dl_units_xlsx', url(base('/stats/units')) + qs({ ...sc, format: 'xlsx' }));
    set('dl_units_csv', url(base('/stats/units')) + qs({ ...sc, format: 'csv' }));
    set('dl_report_xlsx', url(base('/stats/report.xlsx')) + qs(sc));
    set('dl_participants_xlsx', url(base('/participants/export')) + qs({ ...sc, format: 'xlsx' }));
    set('dl_participants_csv', url(base('/participants/export')) + qs({ ...sc, format: 'csv' }));
    const p = $('#dash_dl_scope');
    if (p) p.textContent = round ? t('dash_dl_scope_round', { n: round }) : t('dash_dl_scope_all');
  }

  load();
  return {
    onLang: () => { if (info || err) render(); },
    unmount() {
      gone = true;
      clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisibility);
      if (watcher) watcher.disconnect();
      else window.removeEventListener('resize', onResize);
    },
  };
}
