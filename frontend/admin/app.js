// Staff pages: session, header and client-side routing under /admin.
import { t, lang, setLang, roleName } from './i18n.js';
import { h, clear, $, link } from './ui.js';
import { get, post, setCsrf, onSessionLost } from './api.js';
import * as login from './pages/login.js';
import * as contests from './pages/contests.js';
import * as contest from './pages/contest.js';
import * as units from './pages/units.js';
import * as questions from './pages/questions.js';
import * as stats from './pages/stats.js';
import * as dashboard from './pages/dashboard.js';
import * as results from './pages/results.js';
import * as participants from './pages/participants.js';
import * as staff from './pages/staff.js';
import * as audit from './pages/audit.js';
import * as me from './pages/me.js';

const ROUTES = [
  [/^\/admin\/?$/, contests],
  [/^\/admin\/new\/?$/, contest],
  [/^\/admin\/c\/([^/]+)\/?$/, contest],
  [/^\/admin\/c\/([^/]+)\/units\/?$/, units],
  [/^\/admin\/c\/([^/]+)\/questions\/?$/, questions],
  [/^\/admin\/c\/([^/]+)\/stats\/items\/?$/, stats],
  [/^\/admin\/c\/([^/]+)\/dashboard\/?$/, dashboard],
  [/^\/admin\/c\/([^/]+)\/results\/?$/, results],
  [/^\/admin\/c\/([^/]+)\/participants\/?$/, participants],
  [/^\/admin\/staff\/?$/, staff],
  [/^\/admin\/audit\/?$/, audit],
  [/^\/admin\/me\/?$/, me],
];

const main = $('#main');
const dec = (x) => { try { return decodeURIComponent(x); } catch { return x; } };
let page = null;
let first = true;
let user = null; // {username, role, unit_code}
let expired = false;

function chrome() {
  document.documentElement.lang = lang();
  const sw = $('#lang_switch');
  sw.textContent = t('lang_switch');
  sw.lang = lang() === 'vi' ? 'en' : 'vi';
  sw.setAttribute('aria-label', t('lang_switch_label'));
  $('#skip').textContent = t('skip');
  $('#brand').textContent = t('adm_name');
  $('#footer_text').textContent = t('adm_footer');
  const nav = $('#staff_nav');
  nav.setAttribute('aria-label', t('nav_label'));
  const ui = $('#user_info');
  const out = $('#logout_btn');
  out.textContent = t('logout');
  nav.hidden = ui.hidden = out.hidden = !user;
  if (!user) { clear(nav); return; }
  ui.textContent = user.username + ' · ' + roleName(user.role) + (user.unit_code ? ' (' + user.unit_code + ')' : '');
  const here = location.pathname.replace(/\/$/, '');
  const items = [['/admin', t('nav_contests')]];
  if (user.role === 'admin') items.push(['/admin/staff', t('nav_staff')], ['/admin/audit', t('nav_audit')]);
  items.push(['/admin/me', t('nav_me')]);
  clear(nav, h('ul', null, items.map(([href, text]) => {
    const cur = href === '/admin' ? here === '/admin' || here.startsWith('/admin/c/') || here === '/admin/new' : here.startsWith(href);
    return h('li', null, link(href, text, { id: 'nav_' + (href.split('/')[2] || 'contests'), 'aria-current': cur ? 'page' : null }));
  })));
}

const ctx = {
  go(path, replace) {
    if (page && page.canLeave && !page.canLeave() && !confirm(t('leave_unsaved'))) return;
    if (replace) history.replaceState(null, '', path);
    else history.pushState(null, '', path);
    route();
  },
  ready() {
    const h1 = main.querySelector('h1');
    if (!ctx.nav || !h1) return;
    ctx.nav = false;
    h1.tabIndex = -1;
    h1.focus({ preventScroll: true });
  },
  user: () => user,
  title(s) { document.title = (s ? s + ' – ' : '') + t('adm_name'); },
  nav: false,
};

function route() {
  if (page && page.unmount) page.unmount();
  page = null;
  if (!first) window.scrollTo(0, 0);
  ctx.nav = !first;
  first = false;
  chrome();
  clear(main);
  ctx.title('');
  if (!user) {
    page = login.mount(main, [], { ...ctx, expired, signedIn }) || {};
    return;
  }
  let path = location.pathname;
  // A unit manager's contest page is its dashboard (the settings are for organizers).
  const landing = user.role === 'unit_manager' && path.match(/^\/admin\/c\/([^/]+)\/?$/);
  if (landing) {
    path = '/admin/c/' + landing[1] + '/dashboard';
    history.replaceState(null, '', path);
  }
  let mod = null, m = null;
  for (const [re, p] of ROUTES) if ((m = path.match(re))) { mod = p; break; }
  if (!mod) {
    main.append(h('h1', null, t('page_not_found')), h('p', null, link('/admin', t('nav_contests'))));
    ctx.ready();
    return;
  }
  page = mod.mount(main, m.slice(1).map(dec), ctx) || {};
}

function signedIn(u) {
  user = { username: u.username, role: u.role, unit_code: u.unit_code || null };
  setCsrf(u.csrf_token);
  expired = false;
  route();
}

onSessionLost(() => {
  if (!user) return;
  user = null;
  expired = true;
  setCsrf(null);
  route();
});

document.addEventListener('click', (e) => {
  const a = e.target.closest && e.target.closest('a[data-link]');
  if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  e.preventDefault();
  ctx.go(a.getAttribute('href'));
});

$('#lang_switch').addEventListener('click', () => {
  setLang(lang() === 'vi' ? 'en' : 'vi');
  chrome();
  if (page && page.onLang) page.onLang();
  else route();
});

$('#logout_btn').addEventListener('click', async () => {
  if (page && page.canLeave && !page.canLeave() && !confirm(t('leave_unsaved'))) return;
  try { await post('/auth/logout'); } catch { /* the session is gone either way */ }
  user = null;
  expired = false;
  setCsrf(null);
  route();
  const u = $('#login_username');
  if (u) u.focus();
});

window.addEventListener('popstate', () => route());
window.addEventListener('beforeunload', (e) => {
  if (page && page.canLeave && !page.canLeave()) { e.preventDefault(); e.returnValue = ''; }
});

async function start() {
  chrome();
  try {
    const me = await get('/auth/me');
    user = { username: me.username, role: me.role, unit_code: me.unit_code || null };
    setCsrf(me.csrf_token);
  } catch (e) {
    if (e.status !== 401) {
      clear(main, h('div', { class: 'box err-box', role: 'alert', id: 'error_box' }, h('p', null, t('start_failed')),
        h('button', { type: 'button', class: 'btn btn-2', id: 'retry_btn', onclick: start }, t('retry'))));
      return;
    }
  }
  route();
}

start();
