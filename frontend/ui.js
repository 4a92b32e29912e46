// Small shared pieces of UI.
import { h } from './util/dom.js';
import { t, errText } from './i18n.js';

/** A friendly error, with a retry button unless retrying cannot help (4xx). */
export const errorBox = (err, retry) =>
  h('div', { class: 'box err-box', role: 'alert', id: 'error_box' },
    h('p', null, typeof err === 'string' ? err : errText(err)),
    retry && !(err.status >= 400 && err.status < 500 && err.status !== 429) && h('button', { type: 'button', class: 'btn', id: 'retry_btn', onclick: retry }, t('retry')));

export const badge = (status) => h('span', { class: 'badge b-' + status, 'data-status': status }, t('st_' + status));

export const loading = () => h('p', { class: 'loading', role: 'status' }, t('loading'));

/** An in-app link: the router intercepts clicks on a[data-link]. */
export const link = (href, text, props) => h('a', { href, 'data-link': '', ...props }, text);
