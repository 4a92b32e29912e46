// "/": the list of contests; a single open contest is shown prominently.
import { api } from '../api.js';
import { h, clear } from '../util/dom.js';
import { t } from '../i18n.js';
import { fmtDate } from '../util/time.js';
import { errorBox, badge, loading, link } from '../ui.js';

const ORDER = { open: 0, upcoming: 1, closed: 2 };

export function mount(main, _params, ctx) {
  let list = null, err = null, gone = false;

  const href = (c) => '/c/' + encodeURIComponent(c.slug);
  const dates = (c) => t('from_to', { a: fmtDate(c.opens_at), b: fmtDate(c.closes_at) });

  function render() {
    if (err) return clear(main, h('h1', null, t('contests')), errorBox(err, fetchList));
    if (!list) return clear(main, loading());
    const open = list.filter((c) => c.status === 'open');
    const hero = open.length === 1 ? open[0] : null;
    const rest = list.filter((c) => c !== hero).sort((a, b) => ORDER[a.status] - ORDER[b.status]);
    clear(main,
      h('h1', { class: hero ? 'sr-only' : null }, t('contests')),
      hero && h('section', { class: 'hero', id: 'featured_contest', 'aria-labelledby': 'featured_h' },
        h('p', { class: 'kicker' }, t('featured')),
        h('h2', { id: 'featured_h' }, link(href(hero), hero.title)),
        h('p', null, dates(hero)),
        link(href(hero), t('enter'), { class: 'btn btn-big', id: 'featured_link' })),
      hero && rest.length > 0 && h('h2', null, t('other_contests')),
      list.length === 0 && h('p', { class: 'box', id: 'no_contests' }, t('no_contests')),
      rest.length > 0 && h('ul', { class: 'cards', id: 'contest_list' }, rest.map((c) =>
        h('li', { class: 'card', 'data-slug': c.slug },
          h('p', null, badge(c.status)),
          h('h3', null, link(href(c), c.title)),
          h('p', { class: 'muted' }, dates(c))))));
    ctx.ready();
  }

  async function fetchList() {
    err = null; list = null; render();
    try {
      const { data } = await api('GET', '/contests');
      list = Array.isArray(data) ? data : [];
    } catch (e) { err = e; }
    if (!gone) render();
  }

  fetchList();
  return { onLang: render, unmount() { gone = true; } };
}
