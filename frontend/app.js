// Client-side router for /, /c/{slug}, /c/{slug}/quiz, /c/{slug}/result/{attempt_id}, /c/{slug}/winners.
import { t, lang, setLang } from './i18n.js';
import { h, clear, $ } from './util/dom.js';
import { cachedContest } from './api.js';
import * as home from './pages/home.js';
import * as contest from './pages/contest.js';
import * as quiz from './pages/quiz.js';
import * as result from './pages/result.js';
import * as winners from './pages/winners.js';

const ROUTES = [
  [/^\/$/, home],
  [/^\/c\/([^/]+)\/?$/, contest],
  [/^\/c\/([^/]+)\/quiz\/?$/, quiz],
  [/^\/c\/([^/]+)\/result\/([^/]+)\/?$/, result],
  [/^\/c\/([^/]+)\/winners\/?$/, winners],
];

const main = $('#main');
const dec = (x) => { try { return decodeURIComponent(x); } catch { return x; } };
let page = null; // {unmount?, onLang?}
let slug = null;
let first = true;

function chrome() {
  document.documentElement.lang = lang();
  const c = slug && cachedContest(slug);
  const brand = $('#brand');
  brand.textContent = c ? c.title : t('app_name');
  brand.href = c ? '/c/' + encodeURIComponent(slug) : '/';
  const sw = $('#lang_switch');
  sw.textContent = t('lang_switch');
  sw.lang = lang() === 'vi' ? 'en' : 'vi';
  sw.setAttribute('aria-label', t('lang_switch_label'));
  $('#skip').textContent = t('skip');
  $('#footer_text').textContent = t('footer');
  document.title = c ? c.title + ' – ' + t('app_name') : t('app_name');
}

const ctx = {
  go(path, replace) {
    if (replace) history.replaceState(null, '', path);
    else history.pushState(null, '', path);
    route();
  },
  /** Pages call this once the contest is known, to show its title in the header. */
  header() { chrome(); },
  /** Pages call this once rendered: after an in-app navigation, focus moves to the h1. */
  ready() {
    const h1 = main.querySelector('h1');
    if (!ctx.nav || !h1) return;
    ctx.nav = false;
    h1.tabIndex = -1;
    h1.focus({ preventScroll: true });
  },
  nav: false,
};

function route() {
  if (page && page.unmount) page.unmount();
  page = null;
  const path = location.pathname;
  let mod = null, m = null;
  for (const [re, p] of ROUTES) if ((m = path.match(re))) { mod = p; break; }
  slug = m && m[1] ? dec(m[1]) : null;
  if (!first) window.scrollTo(0, 0);
  ctx.nav = !first;
  first = false;
  chrome();
  clear(main);
  if (!mod) {
    main.append(h('h1', null, t('page_not_found')), h('p', null, h('a', { href: '/', 'data-link': '' }, t('home'))));
  } else {
    page = mod.mount(main, m.slice(1).map(dec), ctx) || {};
  }
  if (!mod) ctx.ready();
}

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

window.addEventListener('popstate', route);
route();
