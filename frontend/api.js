// Fetch wrapper for /api/v1: JSON in and out, Bearer token, errors as ApiError.
import { offsetFrom } from './util/time.js';

export class ApiError extends Error {
  constructor(status, code, message, fields, retryAfter) {
    super(message || code);
    this.status = status; // 0 = network failure or timeout
    this.code = code;
    this.fields = fields || null;
    this.retryAfter = retryAfter; // seconds or null
  }
}

const TIMEOUT = 30000;

export async function api(method, path, { body, token } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = 'Bearer ' + token;
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), TIMEOUT);
  let res, text;
  try {
    res = await fetch('/api/v1' + path, {
      method, headers, cache: 'no-store', signal: ctl.signal,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    text = await res.text();
  } catch (e) {
    throw new ApiError(0, 'network', String(e && e.message || e));
  } finally {
    clearTimeout(timer);
  }
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
  if (res.ok) return { status: res.status, data };
  const ra = parseInt(res.headers.get('Retry-After'), 10);
  const code = (data && data.error) || ({ 401: 'unauthorized', 404: 'not_found', 413: 'payload_too_large', 429: 'rate_limited', 503: 'service_unavailable' }[res.status]) || 'http_' + res.status;
  throw new ApiError(res.status, code, data && data.message, data && data.fields, ra >= 0 ? ra : null);
}

/** Worth retrying later: offline, timeout, rate limit, server trouble. */
export const retryable = (e) => e instanceof ApiError && (e.status === 0 || e.status === 429 || e.status >= 500);

/** Delay before retry number n (1, 2, ...): 1 s, 2 s, 4 s … 30 s, or Retry-After when given. */
export const backoff = (n, ra) => (ra != null ? Math.max(ra, 1) * 1000 : Math.min(30000, 1000 * 2 ** Math.max(0, n - 1)));

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// --- local storage, never fatal when blocked ---
export function store(key, val) {
  try {
    if (val == null) localStorage.removeItem(key);
    else localStorage.setItem(key, typeof val === 'string' ? val : JSON.stringify(val));
  } catch { /* private mode or full */ }
}
export function load(key, json) {
  try {
    const v = localStorage.getItem(key);
    return json ? (v ? JSON.parse(v) : null) : v;
  } catch { return null; }
}
const tk = (slug) => `cuocthi:${slug}:token`;
export const getToken = (slug) => load(tk(slug));
export const setToken = (slug, tok) => store(tk(slug), tok);

// --- contest details, cached for the header and between pages ---
const contests = new Map();

/** Contest details plus `offset` (server clock − phone clock, ms). */
export async function getContest(slug, fresh) {
  const c = contests.get(slug);
  if (c && !fresh) return c;
  const { data } = await api('GET', '/contests/' + encodeURIComponent(slug));
  data.offset = offsetFrom(data.server_time);
  contests.set(slug, data);
  return data;
}
export const cachedContest = (slug) => contests.get(slug);

/** Results handed from the quiz to the result page (shown if the fetch fails). */
export const stash = new Map();
