// /admin/audit: every staff change, newest first (admins only).
import { t } from '../i18n.js';
import { h, clear, $, table, loading, errorBox, fmtAt, select, debounce } from '../ui.js';
import { get } from '../api.js';
import { fold } from '../../util/fold.js';

// Substring match of every query word (usernames and action codes contain dots).
const matches = (hay, q) => q.split(' ').every((w) => hay.includes(w));

const json = (v) => (v === undefined || v === null ? '' : JSON.stringify(v, null, 2));

export function mount(main, _args, ctx) {
  let rows = null, err = null, gone = false, limit = '100', q = '';

  async function load() {
    err = null;
    if (!rows) clear(main, loading());
    try { rows = await get('/admin/audit', { limit }); } catch (e) { err = e; }
    if (gone) return;
    render();
    ctx.ready();
  }

  function render() {
    if (gone) return;
    ctx.title(t('nav_audit'));
    if (err && !rows) return clear(main, h('h1', null, t('nav_audit')), errorBox(err, load));
    clear(main,
      h('h1', null, t('nav_audit')),
      h('p', { class: 'hint' }, t('audit_intro')),
      h('div', { class: 'filters' },
        h('div', { class: 'field grow' },
          h('label', { for: 'audit_filter' }, t('audit_filter')),
          h('input', { type: 'search', id: 'audit_filter', value: q, autocomplete: 'off', 'aria-controls': 'audit_table', 'aria-describedby': 'audit_count',
            oninput: debounce((e) => { q = e.target.value; redraw(); }, 150) })),
        h('div', { class: 'field' },
          h('label', { for: 'audit_limit' }, t('audit_limit')),
          select('audit_limit', [['100', '100'], ['500', '500'], ['1000', '1000']], limit, { onchange: (e) => { limit = e.target.value; load(); } }))),
      err && errorBox(err, load),
      h('p', { id: 'audit_count', role: 'status', class: 'hint' }),
      h('div', { id: 'audit_host' }));
    redraw();
  }

  function redraw() {
    const f = fold(q);
    const list = f ? rows.filter((r) => matches(fold([r.actor, r.action, r.subject, json(r.before), json(r.after)].join(' ')), f)) : rows;
    $('#audit_count').textContent = t('audit_count', { n: list.length, t: rows.length });
    clear($('#audit_host'), list.length ? table('audit_table', t('nav_audit'), [t('au_at'), t('au_actor'), t('au_action'), t('au_subject'), t('au_change')],
      list.map((r, i) => h('tr', { 'data-action': r.action },
        h('td', { class: 'nowrap' }, fmtAt(r.at)),
        h('td', null, r.actor),
        h('td', null, h('code', { class: 'code' }, r.action)),
        h('td', null, r.subject || '—'),
        h('td', null, (r.before != null || r.after != null) ? h('details', { class: 'audit-d', id: 'audit_d_' + i },
          h('summary', null, t('au_show')),
          r.before != null && [h('p', { class: 'lbl' }, t('au_before')), h('pre', { class: 'json' }, json(r.before))],
          r.after != null && [h('p', { class: 'lbl' }, t('au_after')), h('pre', { class: 'json' }, json(r.after))]) : '—'))))
      : h('p', { class: 'muted', id: 'no_audit' }, t('no_audit')));
  }

  load();
  return { onLang: () => (rows || err) && render(), unmount() { gone = true; } };
}
