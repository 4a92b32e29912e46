// Staff API calls: session cookie + X-CSRF-Token on every state-changing call.
import { ApiError } from '../api.js';

export { ApiError };

let csrf = null;
let lost = null; // called when the session is gone (401 `unauthorized`)

export const setCsrf = (token) => { csrf = token || null; };
export const onSessionLost = (f) => { lost = f; };

/** Path of a contest's staff API: adm('demo', '/units') → `/admin/contests/demo/units`. */
export const adm = (slug, rest = '') => '/admin/contests/' + encodeURIComponent(slug) + rest;

/** Absolute URL (for download links). */
export const url = (path) => '/api/v1' + path;

const STATUS_CODE = { 401: 'unauthorized', 403: 'forbidden', 404: 'not_found', 413: 'payload_too_large', 415: 'unsupported_format', 429: 'rate_limited', 503: 'service_unavailable' };

/**
 * One call. `body` is sent as JSON, `file` as multipart field `file`; `query` becomes the query
 * string (empty values dropped). Resolves to the parsed JSON (or null for 204); rejects with an
 * ApiError carrying `data` (the whole error body, e.g. an import report with 422).
 */
export async function call(method, path, { body, file, query } = {}, retried = false) {
  const headers = { Accept: 'application/json' };
  let payload;
  if (file) {
    payload = new FormData();
    payload.append('file', file, file.name || 'file');
  } else if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  if (method !== 'GET' && csrf) headers['X-CSRF-Token'] = csrf;
  let qs = '';
  if (query) {
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v != null && v !== '') p.set(k, String(v));
    const s = p.toString();
    if (s) qs = '?' + s;
  }
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), file ? 120000 : 30000);
  let res, text;
  try {
    res = await fetch(url(path) + qs, { method, headers, body: payload, cache: 'no-store', credentials: 'same-origin', signal: ctl.signal });
    text = await res.text();
  } catch (e) {
    throw new ApiError(0, 'network', String((e && e.message) || e));
  } finally {
    clearTimeout(timer);
  }
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
  if (res.ok) return data;
  const ra = parseInt(res.headers.get('Retry-After'), 10);
  const code = (data && data.error) || STATUS_CODE[res.status] || 'http_' + res.status;
  const err = new ApiError(res.status, code, data && data.message, data && data.fields, ra >= 0 ? ra : null);
  err.data = data;
  if (res.status === 403 && code === 'csrf_required' && !retried) {
    // The token may have been replaced (signed in on another tab): fetch it again, once.
    try {
      const me = await call('GET', '/auth/me');
      setCsrf(me && me.csrf_token);
      return call(method, path, { body, file, query }, true);
    } catch { /* fall through with the first error */ }
  }
  // After the caller's own error handling has run (a microtask), show the sign-in page.
  if (res.status === 401 && code === 'unauthorized' && lost) setTimeout(() => lost(err), 0);
  throw err;
}

export const get = (path, query) => call('GET', path, { query });
export const post = (path, body, query) => call('POST', path, { body, query });
export const patch = (path, body) => call('PATCH', path, { body });
export const del = (path) => call('DELETE', path);
export const upload = (path, file, query) => call('POST', path, { file, query });

// The staff view of each contest, cached between its pages (refreshed after a save).
const contests = new Map();
export async function contestOf(slug, fresh) {
  if (!fresh && contests.has(slug)) return contests.get(slug);
  const c = await get(adm(slug));
  contests.set(slug, c);
  return c;
}
export const rememberContest = (c) => { if (c && c.slug) contests.set(c.slug, c); };
