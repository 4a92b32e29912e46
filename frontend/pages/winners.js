// "/c/{slug}/winners": the published winners of each round, printable.
import { api, getContest } from '../api.js';
import { h, clear } from '../util/dom.js';
import { t, lang } from '../i18n.js';
import { fmtDur } from '../util/time.js';
import { errorBox, loading, link } from '../ui.js';

/** Prizes grouped by tier, in the order the tiers first appear (rank order). */
export function byTier(prizes) {
  const out = new Map();
  for (const p of prizes || []) {
    if (!out.has(p.tier)) out.set(p.tier, { tier: p.tier, name: p.tier_name || p.tier, list: [] });
    out.get(p.tier).list.push(p);
  }
  return [...out.values()];
}

export function mount(main, [slug], ctx) {
  const base = '/c/' + encodeURIComponent(slug);
  const S = { c: null, w: null, none: false, err: null };
  let gone = false;
  const num = (n) => (n == null ? '–' : Number(n).toLocaleString(lang() === 'en' ? 'en-GB' : 'vi-VN'));
  const pct = (x) => (x == null || !Number.isFinite(x) ? '–'
    : (x * 100).toLocaleString(lang() === 'en' ? 'en-GB' : 'vi-VN', { maximumFractionDigits: 1 }) + ' %');

  async function init() {
    S.err = null; S.w = null; S.none = false;
    render();
    const [c, w] = await Promise.allSettled([
      getContest(slug),
      api('GET', '/contests/' + encodeURIComponent(slug) + '/winners'),
    ]);
    if (gone) return;
    if (c.status === 'fulfilled') { S.c = c.value; ctx.header(); }
    if (w.status === 'fulfilled') S.w = w.value.data || [];
    else if (w.reason && w.reason.status === 404 && w.reason.code === 'not_published') S.none = true;
    else S.err = w.reason;
    if (S.w && !S.w.length) S.none = true;
    render();
    ctx.ready();
  }

  function render() {
    const title = S.c ? S.c.title : '';
    document.title = t('winners_title') + (title ? ' – ' + title : '') + ' – ' + t('app_name');
    const head = [h('p', { class: 'kicker' }, t('winners_title')), h('h1', { id: 'winners_h' }, title || t('winners_title'))];
    if (S.err) return clear(main, head, errorBox(S.err, init), h('p', null, link(base, t('back_contest'), { id: 'contest_link' })));
    if (S.none) {
      return clear(main, head,
        h('div', { class: 'box note', id: 'no_winners' }, h('p', null, t('winners_none'))),
        h('p', null, link(base, t('back_contest'), { id: 'contest_link', class: 'btn btn-2' })));
    }
    if (!S.w) return clear(main, loading());
    clear(main,
      h('div', { class: 'winners-head' }, head,
        S.c && S.c.organizer && h('p', { class: 'muted' }, S.c.organizer),
        h('div', { class: 'no-print winners-acts' },
          h('button', { type: 'button', class: 'btn', id: 'print_btn', onclick: () => window.print() }, t('print_list')),
          link(base, t('back_contest'), { id: 'contest_link', class: 'btn btn-2' }))),
      S.w.map(roundBlock));
  }

  function roundBlock(r) {
    const tiers = byTier(r.prizes);
    return h('section', { class: 'round-w', id: 'round_' + r.round + '_winners', 'data-round': r.round, 'aria-labelledby': 'round_' + r.round + '_h' },
      h('h2', { id: 'round_' + r.round + '_h', class: 'round-h' }, t('winners_round', { n: r.round })),
      r.seed_committed && h('p', { class: 'hint' }, t('winners_seed_note')),
      !tiers.length && h('p', { class: 'muted' }, t('winners_no_individual')),
      tiers.map((g) => h('section', { class: 'tier-w', 'data-tier': g.tier },
        h('h3', null, g.name, ' ', h('span', { class: 'count' }, t('winners_count', { n: g.list.length }))),
        h('table', { class: 'wtbl' },
          h('caption', { class: 'sr-only' }, g.name),
          h('thead', null, h('tr', null,
            h('th', { scope: 'col', class: 'c-rank' }, t('w_rank')), h('th', { scope: 'col' }, t('w_name')), h('th', { scope: 'col' }, t('f_unit')),
            h('th', { scope: 'col', class: 'c-num' }, t('score')), h('th', { scope: 'col', class: 'c-num' }, t('w_time')))),
          h('tbody', null, g.list.map((p) => h('tr', { 'data-rank': p.rank },
            h('td', { class: 'c-rank', 'data-label': t('w_rank') }, p.rank),
            h('td', { class: 'c-name', 'data-label': t('w_name') }, p.name),
            h('td', { 'data-label': t('f_unit') }, p.unit_name || p.unit_code),
            h('td', { class: 'c-num', 'data-label': t('score') }, num(p.score)),
            h('td', { class: 'c-num', 'data-label': t('w_time') }, fmtDur(p.duration_ms)))))))),
      (r.collective || []).length > 0 && h('section', { class: 'tier-w', 'data-tier': 'collective', id: 'collective_' + r.round },
        h('h3', null, t('winners_collective'), ' ', h('span', { class: 'count' }, t('winners_count', { n: r.collective.length }))),
        h('table', { class: 'wtbl' },
          h('caption', { class: 'sr-only' }, t('winners_collective')),
          h('thead', null, h('tr', null,
            h('th', { scope: 'col', class: 'c-rank' }, t('w_rank')), h('th', { scope: 'col' }, t('f_unit')),
            h('th', { scope: 'col', class: 'c-num' }, t('participants')), h('th', { scope: 'col', class: 'c-num' }, t('w_rate')))),
          h('tbody', null, r.collective.map((u) => h('tr', { 'data-unit': u.unit_code },
            h('td', { class: 'c-rank', 'data-label': t('w_rank') }, u.rank),
            h('td', { class: 'c-name', 'data-label': t('f_unit') }, u.unit_name),
            h('td', { class: 'c-num', 'data-label': t('participants') }, num(u.participants)),
            h('td', { class: 'c-num', 'data-label': t('w_rate') }, pct(u.participation_rate))))))));
  }

  init();
  return {
    onLang() { render(); },
    unmount() { gone = true; },
  };
}
