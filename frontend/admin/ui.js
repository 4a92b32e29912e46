// Shared pieces of the staff pages: fields with their errors, tables, dialogs, times.
import { h, clear, $ } from '../util/dom.js';
import { t, errText, fieldText, lang } from './i18n.js';

export { h, clear, $ };

/** An in-app link: the router intercepts clicks on a[data-link]. */
export const link = (href, text, props) => h('a', { href, 'data-link': '', ...props }, text);

export const loading = () => h('p', { class: 'loading', role: 'status' }, t('loading'));

/** A friendly error box, with a retry button when retrying can help. */
export function errorBox(err, retry, id = 'error_box') {
  const canRetry = retry && !(err && err.status >= 400 && err.status < 500 && err.status !== 429);
  return h('div', { class: 'box err-box', role: 'alert', id },
    h('p', null, typeof err === 'string' ? err : errText(err)),
    canRetry && h('button', { type: 'button', class: 'btn btn-2', id: 'retry_btn', onclick: retry }, t('retry')));
}

/** Live status line (polite), e.g. "Đã lưu". kind: ok | err | '' */
export function say(el, text, kind) {
  if (!el) return;
  el.textContent = text || '';
  el.dataset.kind = kind || '';
}

/** Element id from a field path: `rounds[1].opens_at` → `rounds_1_opens_at`. */
export const pathId = (path) => String(path).replace(/[^A-Za-z0-9]+/g, '_').replace(/^_|_$/g, '');

/**
 * A labelled field: label, optional hint, the control, and an error line bound to `path`.
 * `control` must carry the id; aria-describedby is wired to hint and error.
 */
export function field({ label, hint, control, path, cls, optional, after }) {
  const id = control.id;
  const errId = 'err_' + pathId(path || id);
  const hintId = hint ? id + '_hint' : null;
  const desc = [hintId, errId].filter(Boolean).join(' ');
  control.setAttribute('aria-describedby', ((control.getAttribute('aria-describedby') || '') + ' ' + desc).trim());
  return h('div', { class: 'field' + (cls ? ' ' + cls : '') },
    h('label', { for: id }, label, optional && h('span', { class: 'optl' }, ' (', t('optional'), ')')),
    hint && h('p', { class: 'hint', id: hintId }, hint),
    control,
    after,
    h('p', { class: 'err', id: errId, 'data-err': path || id }));
}

/** A checkbox with its label on the right, and a hint and error line under it. */
export function checkField({ id, label, hint, checked, disabled, path, onchange }) {
  const errId = 'err_' + pathId(path || id);
  const hintId = hint ? id + '_hint' : null;
  return h('div', { class: 'field' },
    h('label', { class: 'check', for: id },
      h('input', { type: 'checkbox', id, checked: !!checked, disabled, onchange, 'aria-describedby': [hintId, errId].filter(Boolean).join(' ') }),
      h('span', null, label)),
    hint && h('p', { class: 'hint hint-check', id: hintId }, hint),
    h('p', { class: 'err', id: errId, 'data-err': path || id }));
}

export function input(id, props = {}) {
  return h('input', { id, name: id, type: 'text', autocomplete: 'off', ...props });
}

export function select(id, options, value, props = {}) {
  return h('select', { id, name: id, ...props },
    options.map(([v, label]) => h('option', { value: v, selected: String(v) === String(value) }, label)));
}

/**
 * Shows field errors from a 422 `fields` map inside `root`. A path without its own error line
 * falls back to its parent (`rounds[1].opens_at` → `rounds[1]` → `rounds`). Returns the
 * list [{path, text, el}] for a summary; the first placed error's control gets the focus target.
 */
export function showErrors(root, fields) {
  for (const e of root.querySelectorAll('.err[data-err]')) e.textContent = '';
  for (const e of root.querySelectorAll('.has-err')) e.classList.remove('has-err');
  for (const e of root.querySelectorAll('[aria-invalid]')) e.removeAttribute('aria-invalid');
  const out = [];
  for (const [path, code] of Object.entries(fields || {})) {
    let p = path, el = null;
    while (p) {
      el = root.querySelector('.err[data-err="' + CSS.escape(p) + '"]');
      if (el) break;
      const cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
      p = cut > 0 ? p.slice(0, cut) : '';
    }
    const text = fieldText(code);
    if (el) {
      el.textContent = el.textContent ? el.textContent + ' ' + text : text;
      const f = el.closest('.field, .row-err-host');
      if (f) f.classList.add('has-err');
      const ctl = f && f.querySelector('input:not([type=hidden]), select, textarea');
      if (ctl && p === path) ctl.setAttribute('aria-invalid', 'true');
    }
    out.push({ path, text, el, code });
  }
  // In page order, so the summary reads top to bottom.
  out.sort((a, b) => (a.el && b.el ? (a.el.compareDocumentPosition(b.el) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1) : a.el ? -1 : b.el ? 1 : 0));
  return out;
}

/** Error summary (role=alert) listing every problem, each a link to its field when placed. */
export function errorSummary(id, errs, title) {
  return h('div', { class: 'box err-box', role: 'alert', id, tabindex: '-1' },
    h('p', null, h('strong', null, title || t('fix_fields'))),
    h('ul', null, errs.map((e) => h('li', null,
      e.el ? h('a', { href: '#' + e.el.id, 'data-path': e.path, onclick: (ev) => { ev.preventDefault(); focusError(e.el); } }, label(e.el, e.path), ': ', e.text)
        : h('span', null, e.path, ': ', e.text)))));
}

const firstText = (el) => (el && el.childNodes[0] ? el.childNodes[0].textContent.trim() : '');

/** "Đối tượng dự thi 1 › Mã": the field's label, after its group's when it sits in one. */
function label(errEl, path) {
  const f = errEl.closest('.field, .row-err-host');
  const l = f && (f.querySelector(':scope > label, :scope > legend, :scope > .lbl-text') || f.querySelector('label'));
  const own = l ? firstText(l) || l.textContent.trim() : '';
  const group = f && f.parentElement && f.parentElement.closest('fieldset');
  let g = group ? firstText(group.querySelector(':scope > legend')) : '';
  const idx = String(path).match(/\[(\d+)\]/);
  if (g && idx && !/\d/.test(g)) g += ' ' + (Number(idx[1]) + 1);
  const s = g && g !== own ? g + ' › ' + own : own;
  return s || path;
}

export function focusError(errEl) {
  const f = errEl.closest('.field, .row-err-host');
  const ctl = f && f.querySelector('input:not([disabled]), select:not([disabled]), textarea:not([disabled]), button:not([disabled])');
  (ctl || errEl).scrollIntoView({ block: 'center' });
  if (ctl) ctl.focus();
}

/** A table in a scrolling wrapper. `cols` are header texts; `rows` are <tr> elements. */
export function table(id, caption, cols, rows, props = {}) {
  return h('div', { class: 'tbl-wrap', role: 'region', 'aria-labelledby': id + '_cap', tabindex: '0' },
    h('table', { id, class: 'tbl', ...props },
      h('caption', { id: id + '_cap' }, caption),
      h('thead', null, h('tr', null, cols.map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', null, rows)));
}

/**
 * A modal confirmation. Resolves true (ok) or false (cancel / Esc); with `read(dialog)`, ok
 * resolves to what it returns. `body` is nodes.
 * Ids: `#confirm_dialog`, `#confirm_ok_btn`, `#confirm_cancel_btn`.
 */
export function confirmDlg({ title, body, ok, danger, read }) {
  return new Promise((resolve) => {
    const back = document.activeElement;
    const done = (v) => {
      const out = v && read ? read(dlg) : v; // read the dialog's inputs before it goes
      if (dlg.open) dlg.close();
      dlg.remove();
      if (back && back.isConnected) back.focus();
      resolve(out);
    };
    const dlg = h('dialog', { id: 'confirm_dialog', class: 'dlg', 'aria-labelledby': 'confirm_h', 'aria-describedby': 'confirm_body' },
      h('h2', { id: 'confirm_h' }, title),
      h('div', { id: 'confirm_body' }, body),
      h('div', { class: 'navrow' },
        h('button', { type: 'button', class: 'btn btn-2', id: 'confirm_cancel_btn', onclick: () => done(false) }, t('cancel')),
        h('button', { type: 'button', class: 'btn' + (danger ? ' btn-danger' : ''), id: 'confirm_ok_btn', onclick: () => done(true) }, ok)));
    dlg.addEventListener('cancel', (e) => { e.preventDefault(); done(false); });
    document.body.append(dlg);
    dlg.showModal();
    $('#confirm_cancel_btn', dlg).focus();
  });
}

// ---------- times ----------
const p2 = (n) => String(n).padStart(2, '0');

/** ISO (UTC) → value for <input type=datetime-local> in the browser's time zone. */
export function isoToLocal(iso) {
  const d = new Date(iso);
  if (!iso || isNaN(d)) return '';
  return d.getFullYear() + '-' + p2(d.getMonth() + 1) + '-' + p2(d.getDate()) + 'T' + p2(d.getHours()) + ':' + p2(d.getMinutes());
}

/** <input type=datetime-local> value (browser's time zone) → ISO UTC with ms, or '' */
export function localToIso(v) {
  if (!v) return '';
  const d = new Date(v);
  return isNaN(d) ? '' : d.toISOString();
}

/** "2026-11-25 21:20 UTC" */
export function fmtUtc(iso) {
  const d = new Date(iso);
  if (!iso || isNaN(d)) return '';
  return d.getUTCFullYear() + '-' + p2(d.getUTCMonth() + 1) + '-' + p2(d.getUTCDate()) + ' ' + p2(d.getUTCHours()) + ':' + p2(d.getUTCMinutes()) + ' UTC';
}

/** Date and time in a given IANA zone (or the browser's), dd/mm/yyyy hh:mm. */
export function fmtAt(iso, tz) {
  const d = new Date(iso);
  if (!iso || isNaN(d)) return '';
  const o = { day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit', hour12: false };
  try {
    return new Intl.DateTimeFormat(lang() === 'en' ? 'en-GB' : 'vi-VN', tz ? { ...o, timeZone: tz } : o).format(d);
  } catch {
    return d.toLocaleString();
  }
}

/** The browser's own IANA zone, for explanations. */
export const localZone = () => { try { return Intl.DateTimeFormat().resolvedOptions().timeZone || ''; } catch { return ''; } };

/** A ratio as a percentage text: 0.2345 → "23,5 %". */
export function pct(x, digits = 1) {
  if (x == null || !Number.isFinite(x)) return '—';
  return num(x * 100, digits) + ' %';
}

export function num(x, digits = 0) {
  if (x == null || !Number.isFinite(x)) return '—';
  try {
    return new Intl.NumberFormat(lang() === 'en' ? 'en-GB' : 'vi-VN', { maximumFractionDigits: digits, minimumFractionDigits: 0 }).format(x);
  } catch {
    return String(x);
  }
}

/** Calls f at most once per `ms` after the last call. */
export function debounce(f, ms) {
  let tm = 0;
  return (...a) => { clearTimeout(tm); tm = setTimeout(() => f(...a), ms); };
}

/** Contest status from its window (the list gives no status). */
export function statusOf(c, now = Date.now()) {
  if (c.status) return c.status;
  const o = Date.parse(c.opens_at), cl = Date.parse(c.closes_at);
  return now < o ? 'upcoming' : now >= cl ? 'closed' : 'open';
}

export const badge = (status) => h('span', { class: 'badge b-' + status, 'data-status': status }, t('st_' + status));

/** The report of an import, row by row: `#import_summary` and `#import_report`. */
export function importReport(rep, { real, file } = {}) {
  const errs = (rep && rep.errors) || [];
  const warns = (rep && rep.warnings) || [];
  const rows = [
    ...errs.map((e) => ({ row: e.row, kind: 'error', field: e.field, code: e.error, message: e.message })),
    ...warns.map((w) => ({ row: w.row, kind: 'warning', field: '', code: w.warning, message: w.message })),
  ].sort((a, b) => a.row - b.row || (a.kind === b.kind ? 0 : a.kind === 'error' ? -1 : 1));
  const ok = !errs.length && !(rep && rep.invalid);
  let summary;
  if (real && rep && rep.imported) summary = t('imp_done', { n: rep.imported });
  else if (real) summary = t('imp_nothing', { v: rep ? rep.valid : 0, i: rep ? rep.invalid : 0 });
  else summary = ok ? t('imp_dry_ok', { v: rep.valid }) : t('imp_dry_bad', { v: rep.valid, i: rep.invalid });
  if (warns.length) summary += ' ' + t('imp_warns', { n: warns.length });
  return h('section', { class: 'box imp ' + (ok ? 'imp-ok' : 'imp-bad'), id: 'import_result', 'aria-labelledby': 'import_summary' },
    h('h3', { id: 'import_summary', tabindex: '-1', 'data-valid': rep ? rep.valid : 0, 'data-invalid': rep ? rep.invalid : 0, 'data-imported': rep ? rep.imported : 0 },
      file ? file + ': ' : '', summary),
    rows.length ? table('import_report', t('imp_report_cap'), [t('imp_row'), t('imp_kind'), t('imp_col'), t('imp_msg')],
      rows.map((r) => h('tr', { 'data-row': r.row, 'data-kind': r.kind, class: r.kind === 'error' ? 'row-bad' : 'row-warn' },
        h('td', { class: 'num' }, r.row),
        h('td', null, r.kind === 'error' ? t('imp_error') : t('imp_warning')),
        h('td', null, r.field || '—'),
        h('td', null, r.message, ' ', h('code', { class: 'code' }, r.code)))))
      : h('table', { id: 'import_report', hidden: true }));
}

/** The contest tabs a unit manager may open (pass as `only` to `contestHead`). */
export const UNIT_MANAGER_TABS = ['dashboard', 'participants'];

/**
 * Breadcrumb and the tabs of a contest's pages (`#contest_tabs`). `only`: the tab keys to show
 * (a unit manager's: `UNIT_MANAGER_TABS`).
 */
export function contestHead(slug, current, title, { only } = {}) {
  const base = '/admin/c/' + encodeURIComponent(slug);
  const tabs = [['settings', base, t('tab_settings')], ['units', base + '/units', t('tab_units')],
    ['participants', base + '/participants', t('part_tab')],
    ['questions', base + '/questions', t('tab_questions')], ['dashboard', base + '/dashboard', t('dash_tab')],
    ['stats', base + '/stats/items', t('tab_stats')],
    ['results', base + '/results', t('tab_results')]];
  return h('div', { class: 'chead' },
    h('p', { class: 'crumbs' }, link('/admin', t('nav_contests')), ' › ', h('span', { id: 'contest_name' }, title || slug)),
    h('nav', { class: 'tabs', id: 'contest_tabs', 'aria-label': t('contest_tabs') },
      h('ul', null, tabs.filter(([k]) => !only || only.includes(k)).map(([k, href, text]) => h('li', null,
        link(href, text, { id: 'tab_' + k, 'aria-current': k === current ? 'page' : null }))),
        h('li', null, h('a', { href: '/c/' + encodeURIComponent(slug), id: 'tab_public' }, t('public_page'), ' ↗')))));
}
