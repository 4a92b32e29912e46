// /admin/c/{slug}/stats/items: item statistics of the question bank.
import { t } from '../i18n.js';
import { h, clear, $, table, loading, errorBox, contestHead, pct, num, link } from '../ui.js';
import { get, adm, contestOf } from '../api.js';

/** Worth a second look: answered correctly by fewer than 20 %, or stronger people do worse. */
export const needsReview = (s) => (s.correct_rate != null && s.correct_rate < 0.2) || (s.discrimination != null && s.discrimination < 0);

const SORTS = {
  correct_rate: (a, b) => nz(a.correct_rate) - nz(b.correct_rate),
  discrimination: (a, b) => nz(a.discrimination) - nz(b.discrimination),
  drawn: (a, b) => a.drawn - b.drawn,
};
const nz = (x) => (x == null ? Infinity : x);

export function mount(main, [slug], ctx) {
  let C = null, rows = null, err = null, gone = false;
  let only = false, sortKey = 'correct_rate', desc = false;

  async function load() {
    err = null;
    clear(main, loading());
    try {
      const [c, r] = await Promise.all([contestOf(slug).catch(() => null), get(adm(slug, '/questions/stats'))]);
      C = c; rows = r;
    } catch (e) { err = e; }
    if (gone) return;
    render();
    ctx.ready();
  }

  function render() {
    if (gone) return;
    const title = C ? C.title : slug;
    ctx.title(t('tab_stats') + ' – ' + title);
    if (err) return clear(main, contestHead(slug, 'stats', title), h('h1', null, t('stats_h')), errorBox(err, load));
    const flagged = rows.filter(needsReview).length;
    clear(main,
      contestHead(slug, 'stats', title),
      h('h1', null, t('stats_h')),
      h('div', { class: 'box note' },
        h('p', null, t('stats_intro')),
        h('ul', null,
          h('li', null, h('strong', null, t('st_drawn')), ': ', t('h_st_drawn')),
          h('li', null, h('strong', null, t('st_rate')), ': ', t('h_st_rate')),
          h('li', null, h('strong', null, t('st_disc')), ': ', t('h_st_disc')),
          h('li', null, h('strong', null, t('st_review')), ': ', t('h_st_review')))),
      h('p', { id: 'stats_summary' }, t('stats_summary', { n: rows.length, f: flagged })),
      rows.length ? h('div', { class: 'filters' },
        h('label', { class: 'check', for: 'only_flagged' },
          h('input', { type: 'checkbox', id: 'only_flagged', checked: only, onchange: (e) => { only = e.target.checked; redrawTable(); } }),
          h('span', null, t('only_flagged'))),
        h('div', { class: 'field' },
          h('label', { for: 'stats_sort' }, t('sort_by')),
          h('select', { id: 'stats_sort', onchange: (e) => { [sortKey, desc] = e.target.value.split(':').map((x, i) => (i ? x === 'desc' : x)); redrawTable(); } },
            [['correct_rate:asc', t('sort_rate_asc')], ['correct_rate:desc', t('sort_rate_desc')], ['discrimination:asc', t('sort_disc_asc')], ['drawn:desc', t('sort_drawn_desc')]]
              .map(([v, l]) => h('option', { value: v, selected: v === sortKey + ':' + (desc ? 'desc' : 'asc') }, l))))) : null,
      h('div', { id: 'stats_host' }, statsTable()));
  }

  function statsTable() {
    if (!rows.length) return h('p', { class: 'box', id: 'no_stats' }, t('no_stats'));
    let list = rows.slice().sort(SORTS[sortKey] || SORTS.correct_rate);
    if (desc) list.reverse();
    if (only) list = list.filter(needsReview);
    if (!list.length) return h('p', { class: 'box', id: 'no_flagged' }, t('no_flagged'));
    const qbase = '/admin/c/' + encodeURIComponent(slug) + '/questions?edit=';
    return table('item_stats', t('stats_h'), [t('q_text'), t('q_version'), t('st_drawn'), t('st_rate'), t('st_disc'), t('st_review')],
      list.map((s) => {
        const bad = needsReview(s);
        return h('tr', { 'data-question': s.question_id, 'data-version': s.version, 'data-flag': bad ? 'review' : 'ok', class: bad ? 'row-bad' : '' },
          h('td', { class: 'qcell' }, link(qbase + encodeURIComponent(s.question_id), s.text)),
          h('td', { class: 'num' }, 'v' + s.version),
          h('td', { class: 'num' }, num(s.drawn)),
          h('td', { class: 'num' + (s.correct_rate != null && s.correct_rate < 0.2 ? ' bad' : '') }, pct(s.correct_rate)),
          h('td', { class: 'num' + (s.discrimination != null && s.discrimination < 0 ? ' bad' : '') }, s.discrimination == null ? h('span', { title: t('disc_na') }, '—', h('span', { class: 'sr-only' }, ' ', t('disc_na'))) : num(s.discrimination, 2)),
          h('td', null, bad ? h('span', { class: 'badge b-bad' }, '⚠ ', t('needs_review')) : h('span', { class: 'muted' }, t('ok_item'))));
      }));
  }

  function redrawTable() { clear($('#stats_host'), statsTable()); }

  load();
  return { onLang: () => (rows || err) && render(), unmount() { gone = true; } };
}
