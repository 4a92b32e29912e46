// Sign-in form: shown for any /admin path while there is no session.
import { t, errText } from '../i18n.js';
import { h, clear, $, field, input } from '../ui.js';
import { post } from '../api.js';

export function mount(main, _args, ctx) {
  let busy = false, waitTimer = 0;
  const S = { user: '', err: null };

  function render() {
    ctx.title(t('login_title'));
    clear(main, h('section', { class: 'login box', 'aria-labelledby': 'login_h' },
      h('h1', { id: 'login_h' }, t('login_title')),
      ctx.expired && h('p', { class: 'banner', id: 'session_expired', role: 'status' }, t('session_expired')),
      h('p', { class: 'hint' }, t('login_intro')),
      h('form', { id: 'login_form', novalidate: true, onsubmit: submit },
        field({ label: t('f_username'), control: input('login_username', { autocomplete: 'username', required: true, autocapitalize: 'none', spellcheck: 'false', value: S.user,
          oninput: () => { if (waitTimer) { clearTimeout(waitTimer); waitTimer = 0; $('#login_btn').disabled = false; } } }) }),
        field({ label: t('f_password'), control: input('login_password', { type: 'password', autocomplete: 'current-password', required: true }) }),
        h('p', { class: 'err form-err', id: 'login_error', role: 'alert' }),
        h('button', { type: 'submit', class: 'btn btn-big', id: 'login_btn' }, t('login_btn')))));
    ctx.ready();
    if (!ctx.nav) $('#login_username').focus();
  }

  async function submit(e) {
    e.preventDefault();
    if (busy) return;
    const u = $('#login_username').value.trim(), p = $('#login_password').value;
    const err = $('#login_error');
    S.user = u;
    if (!u || !p) { err.textContent = t('login_missing'); (u ? $('#login_password') : $('#login_username')).focus(); return; }
    busy = true;
    const btn = $('#login_btn');
    btn.disabled = true;
    btn.textContent = t('signing_in');
    err.textContent = '';
    try {
      const me = await post('/auth/login', { username: u, password: p });
      ctx.signedIn(me);
    } catch (ex) {
      busy = false;
      btn.textContent = t('login_btn');
      if (ex.status === 429 && ex.retryAfter) {
        // Keep the button off until the server lets us try again (said once, not every second).
        err.textContent = t('e_login_locked', { n: ex.retryAfter });
        waitTimer = setTimeout(() => { waitTimer = 0; btn.disabled = false; }, ex.retryAfter * 1000);
      } else {
        btn.disabled = false;
        err.textContent = ex.code === 'invalid_credentials' ? t('e_invalid_credentials') : errText(ex);
        $('#login_password').select();
        $('#login_password').focus();
      }
    }
  }

  render();
  return {
    onLang: render,
    unmount() { clearTimeout(waitTimer); },
  };
}
