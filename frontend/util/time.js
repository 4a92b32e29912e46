// The server is the only clock: every time shown is computed from an offset.
import { lang, t } from '../i18n.js';

/** Server clock minus phone clock, in ms, from a server_time just received. */
export const offsetFrom = (serverTime) => {
  const s = Date.parse(serverTime);
  return Number.isFinite(s) ? s - Date.now() : 0;
};

export const serverNow = (offset) => Date.now() + (offset || 0);

const p2 = (n) => String(n).padStart(2, '0');

/** Countdown text: "mm:ss", "h:mm:ss", or "N ngày hh:mm:ss". */
export function fmtLeft(ms) {
  let s = Math.max(0, Math.ceil(ms / 1000));
  const d = Math.floor(s / 86400); s %= 86400;
  const h = Math.floor(s / 3600); s %= 3600;
  const m = Math.floor(s / 60); s %= 60;
  if (d) return t('days', { n: d }) + ' ' + p2(h) + ':' + p2(m) + ':' + p2(s);
  return (h ? h + ':' + p2(m) : p2(m)) + ':' + p2(s);
}

/** Duration as mm:ss (minutes may exceed 59). */
export function fmtDur(ms) {
  const s = Math.max(0, Math.floor((ms || 0) / 1000));
  return p2(Math.floor(s / 60)) + ':' + p2(s % 60);
}

/** Date and time in the phone's own time zone. */
export function fmtDate(iso) {
  const d = new Date(iso);
  if (isNaN(d)) return '';
  try {
    return new Intl.DateTimeFormat(lang() === 'en' ? 'en-GB' : 'vi-VN', { day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit' }).format(d);
  } catch {
    return d.toLocaleString();
  }
}
