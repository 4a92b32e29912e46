// /admin: every contest, newest first, with links to its pages.
import { t } from '../i18n.js';
import { h, clear, link, loading, errorBox, fmtAt, statusOf, badge } from '../ui.js';
import { get } from '../api.js';

export function mount(main, _args, ctx) {
  let list = null, err = null, gone = false;
  const canEdit = () => ['admin', 'organizer'].includes(ctx.user().role);

  async function load() {
    err = null;
    clear(main, loading());
    try { list = await get('/admin/contests'); } catch (e) { err = e; }
    if (!gone) render();
  }

  function render() {
    if (gone) return;
    ctx.title(t('nav_contests'));
    if (err) return clear(main, h('h1', null, t('nav_contests')), errorBox(err, load));
    const base = (c) => '/admin/c/' + encodeURIComponent(c.slug);
    clear(main,
      h('div', { class: 'page-head' },
        h('h1', null, t('nav_contests')),
        canEdit() && link('/admin/new', t('new_contest'), { class: 'btn', id: 'new_contest_btn' })),
      !canEdit() && h('p', { class: 'box note', id: 'role_note' }, t('unit_manager_note', { u: ctx.user().unit_code || '—' })),
      list.length ? h('ul', { id: 'contest_list', class: 'cards adm-cards' }, list.map((c) => {
        const st = statusOf(c);
        return h('li', { class: 'card', 'data-slug': c.slug },
          h('h2', { class: 'card-title' }, link(canEdit() ? base(c) : base(c) + '/dashboard', c.title)),
          h('p', null, badge(st), ' ', !c.listed && h('span', { class: 'badge b-closed' }, t('unlisted')), ' ', h('code', { class: 'code' }, c.slug)),
          h('p', { class: 'muted' }, t('window', { a: fmtAt(c.opens_at), b: fmtAt(c.closes_at) })),
          !canEdit() ? h('p', { class: 'card-links' }, link(base(c) + '/dashboard', t('dash_tab'), { 'data-dashboard': '' }), ' · ',
            h('a', { href: '/c/' + encodeURIComponent(c.slug) }, t('public_page'))) : h('p', { class: 'card-links' },
            link(base(c), t('tab_settings')), ' · ',
            link(base(c) + '/units', t('tab_units')), ' · ',
            link(base(c) + '/questions', t('tab_questions')), ' · ',
            link(base(c) + '/dashboard', t('dash_tab'), { 'data-dashboard': '' }), ' · ',
            link(base(c) + '/stats/items', t('tab_stats')), ' · ',
            h('a', { href: '/c/' + encodeURIComponent(c.slug) }, t('public_page'))));
      })) : h('p', { id: 'no_contests', class: 'box' }, t('no_contests_staff')));
    ctx.ready();
  }

  load();
  return { onLang: () => (list || err) && render(), unmount() { gone = true; } };
}
