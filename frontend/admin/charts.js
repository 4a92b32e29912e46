// Our own SVG charts, no third-party code: a vertical bar chart with axes, a sorted horizontal
// bar chart and a histogram. Each chart is a <figure> holding an <svg role="img"> named by its
// <title> and described by a <desc> summary, and a "see as a table" <details> with the same
// figures, so nothing is only in the picture. Colours come from admin.css classes (the
// --pri/--line/--mut variables of css/app.css); no inline style (CSP `style-src 'self'`).
//
// Sizes are real pixels: the caller passes the width the chart has on the page (see
// `widthOf`) and draws again when it changes, so text stays readable on a 360 px phone.
import { h } from '../util/dom.js';
import { t } from './i18n.js';

const NS = 'http://www.w3.org/2000/svg';
let seq = 0;

/** An SVG element: s('rect', {x: 1, class: 'bar'}, child…). */
function s(tag, attrs, ...kids) {
  const el = document.createElementNS(NS, tag);
  for (const k in attrs || {}) if (attrs[k] != null && attrs[k] !== false) el.setAttribute(k, String(attrs[k]));
  for (const c of kids.flat()) if (c != null && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

/** The width a chart may take inside `host` (its content box), at least 280 px. */
export function widthOf(host) {
  const w = host && host.clientWidth ? host.clientWidth : 640;
  return Math.max(280, Math.floor(w));
}

/** A "nice" axis top and step for values up to `max` (steps of 1, 2 or 5 × 10^k). */
export function niceScale(max, ticks = 4, integer = true) {
  if (!(max > 0)) return { top: integer ? ticks : 1, step: integer ? 1 : 1 / ticks };
  const raw = max / ticks;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  let step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((v) => v >= raw) || 10 * mag;
  if (integer) step = Math.max(1, Math.ceil(step));
  const top = Math.ceil(max / step - 1e-9) * step;
  return { top, step };
}

/** Cuts a label to about `n` characters, with an ellipsis. */
const cut = (txt, n) => (txt.length > n ? txt.slice(0, Math.max(1, n - 1)) + '…' : txt);

/** Rough width of a text at the chart's font size (no layout needed). */
const textWidth = (txt, px = 12) => String(txt).length * px * 0.56;

/** The accessible frame: <figure> with a heading, the SVG (title + desc) and the table. */
function frame({ id, title, summary, svg, tableCols, tableRows, extra }) {
  const tid = 'ch' + ++seq;
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-labelledby', tid + '_t ' + tid + '_d');
  svg.prepend(s('title', { id: tid + '_t' }, title), s('desc', { id: tid + '_d' }, summary));
  return h('figure', { class: 'chart', id },
    h('figcaption', { class: 'chart-cap' }, title),
    h('div', { class: 'chart-svg' }, svg),
    h('p', { class: 'chart-sum muted' }, summary),
    extra,
    tableRows.length ? h('details', { class: 'chart-tbl' },
      h('summary', null, t('dash_as_table')),
      h('div', { class: 'tbl-wrap' },
        h('table', { class: 'tbl' },
          h('caption', null, title),
          h('thead', null, h('tr', null, tableCols.map((c, i) => h('th', { scope: 'col', class: i ? 'num' : null }, c)))),
          h('tbody', null, tableRows.map((r) => h('tr', null, r.map((c, i) => (i ? h('td', { class: 'num' }, c) : h('th', { scope: 'row' }, c))))))))) : null);
}

/**
 * Vertical bars with a y axis (gridlines, ticks) and an x axis (labels, thinned out when
 * crowded). `bars`: [{label, value, long?}] (`long`: the label in the table and tooltip).
 * `gap`: the space between bars as a share of a slot (0 for a histogram).
 * Bars are `rect.ch-bar[data-value]`, one per entry, in order.
 */
export function barChart({ id, title, summary, bars, width, height = 220, format = String, xTitle, yTitle, gap = 0.25, cols, edges, maxBar = 64 }) {
  const W = width || 640;
  const fmt = (v) => format(v);
  const max = Math.max(0, ...bars.map((b) => b.value));
  const { top, step } = niceScale(max);
  const tickTexts = [];
  for (let v = 0; v <= top + 1e-9; v += step) tickTexts.push(v);
  const left = Math.ceil(Math.max(...tickTexts.map((v) => textWidth(fmt(v))))) + 12;
  const right = edges ? Math.ceil(Math.max(8, textWidth(edges[edges.length - 1]) / 2 + 2)) : 8;
  const topPad = yTitle ? 28 : 18, bottom = xTitle ? 44 : 26;
  const H = height;
  const plotW = Math.max(40, W - left - right), plotH = H - topPad - bottom;
  const slot = plotW / Math.max(1, bars.length);
  const y = (v) => topPad + plotH - (top ? (v / top) * plotH : 0);
  const svg = s('svg', { class: 'ch', width: W, height: H, viewBox: `0 0 ${W} ${H}`, 'data-bars': bars.length });
  // y grid and ticks
  for (const v of tickTexts) {
    svg.append(s('line', { class: 'ch-grid', x1: left, x2: W - right, y1: y(v), y2: y(v) }),
      s('text', { class: 'ch-tick', x: left - 6, y: y(v) + 4, 'text-anchor': 'end' }, fmt(v)));
  }
  // bars, value labels, x labels (every k-th when they would collide)
  const longest = Math.max(1, ...(edges || bars.map((b) => b.label)).map((l) => textWidth(l)));
  const every = Math.max(1, Math.ceil((longest + 6) / slot));
  const showValues = slot >= Math.max(18, ...bars.map((b) => textWidth(fmt(b.value), 11) + 4));
  const g = s('g', { class: 'ch-bars' });
  bars.forEach((b, i) => {
    const bw = Math.max(1, Math.min(maxBar, slot * (1 - gap)));
    const x = left + i * slot + (slot - bw) / 2;
    const top_ = y(b.value);
    const hgt = Math.max(0, topPad + plotH - top_);
    g.append(s('rect', { class: 'ch-bar', x: x.toFixed(1), y: top_.toFixed(1), width: bw.toFixed(1), height: hgt.toFixed(1), 'data-value': b.value, 'data-label': b.label },
      s('title', null, (b.long || b.label) + ': ' + fmt(b.value))));
    if (showValues && b.value > 0) g.append(s('text', { class: 'ch-val', x: (x + bw / 2).toFixed(1), y: (top_ - 4).toFixed(1), 'text-anchor': 'middle' }, fmt(b.value)));
    if (!edges && i % every === 0) {
      g.append(s('text', { class: 'ch-lbl', x: (left + i * slot + slot / 2).toFixed(1), y: topPad + plotH + 16, 'text-anchor': 'middle' }, b.label));
    }
  });
  // A histogram of ranges labels the bins' edges, not their middles.
  if (edges) {
    edges.forEach((l, i) => {
      if (i % every) return;
      const ex = left + i * slot;
      g.append(s('line', { class: 'ch-axis', x1: ex.toFixed(1), x2: ex.toFixed(1), y1: topPad + plotH, y2: topPad + plotH + 4 }),
        s('text', { class: 'ch-lbl', x: ex.toFixed(1), y: topPad + plotH + 16, 'text-anchor': 'middle' }, l));
    });
  }
  svg.append(g, s('line', { class: 'ch-axis', x1: left, x2: W - right, y1: topPad + plotH, y2: topPad + plotH }),
    s('line', { class: 'ch-axis', x1: left, x2: left, y1: topPad - 4, y2: topPad + plotH }));
  if (xTitle) svg.append(s('text', { class: 'ch-axt', x: left + plotW / 2, y: H - 6, 'text-anchor': 'middle' }, xTitle));
  if (yTitle) svg.append(s('text', { class: 'ch-axt', x: left, y: 11, 'text-anchor': 'start' }, yTitle));
  return frame({ id, title, summary, svg,
    tableCols: cols || [xTitle || '', yTitle || ''],
    tableRows: bars.map((b) => [b.long || b.label, fmt(b.value)]) });
}

/**
 * A histogram: adjacent bars over consecutive bins (`bars`: [{label, value, long?}]); with
 * `edges` (one more label than bins) the axis labels the bins' boundaries instead of their
 * middles. Same markup as barChart (`rect.ch-bar`, one per bin).
 */
export function histogram(opts) {
  return barChart({ gap: 0.04, maxBar: Infinity, ...opts });
}

/**
 * Horizontal bars sorted by value (largest first), one row per item, with the label at the
 * left (above the bar on narrow screens) and the value at the bar's end. `items`:
 * [{key, label, value, text?}] (`text`: the value as shown). The scale runs from 0 to a
 * round number above the largest value (at least `floor`), with gridlines labelled by
 * `tickFormat`; `mark`: a reference value drawn as a dashed line when in range (e.g. 100 %).
 * Bars are `rect.ch-bar[data-key]` in display order.
 */
export function hbarChart({ id, title, summary, items, width, format = String, tickFormat, floor = 0, mark, markLabel, cols, extra }) {
  const W = width || 640;
  const tick = tickFormat || format;
  const list = items.slice().sort((a, b) => b.value - a.value || String(a.label).localeCompare(String(b.label)));
  const stacked = W < 520; // phone: label on its own line above the bar
  const { top: max, step } = niceScale(Math.max(floor, ...list.map((i) => i.value)), stacked ? 2 : 4, false);
  const valueW = Math.ceil(Math.max(40, ...list.map((i) => textWidth(i.text || format(i.value))))) + 8;
  const labelW = stacked ? 0 : Math.min(Math.floor(W * 0.38), 240);
  const left = stacked ? 4 : labelW + 8;
  const plotW = Math.max(40, W - left - valueW);
  const rowH = stacked ? 38 : 24, barH = stacked ? 14 : 16, topPad = 18;
  const H = topPad + list.length * rowH + 6;
  const x = (v) => left + (Math.max(0, v) / max) * plotW;
  const svg = s('svg', { class: 'ch ch-h', width: W, height: H, viewBox: `0 0 ${W} ${H}`, 'data-bars': list.length });
  const bands = s('g'), grid = s('g'), rows = s('g', { class: 'ch-bars' });
  const chars = Math.max(6, Math.floor((stacked ? W - 8 : labelW) / (12 * 0.56)));
  list.forEach((it, i) => {
    const y0 = topPad + i * rowH;
    const by = stacked ? y0 + 18 : y0 + (rowH - barH) / 2;
    const shown = it.text || format(it.value);
    if (i % 2) bands.append(s('rect', { class: 'ch-band', x: 0, y: y0, width: W, height: rowH }));
    rows.append(
      s('text', { class: 'ch-lbl', x: stacked ? left : labelW, y: stacked ? y0 + 13 : by + barH - 3, 'text-anchor': stacked ? 'start' : 'end' }, cut(String(it.label), chars)),
      s('rect', { class: 'ch-bar', x: left, y: by, width: Math.max(it.value > 0 ? 2 : 0, x(it.value) - left).toFixed(1), height: barH, 'data-key': it.key, 'data-value': it.value },
        s('title', null, it.label + ': ' + shown)),
      s('text', { class: 'ch-val', x: (x(it.value) + 4).toFixed(1), y: by + barH - 3 }, shown));
  });
  // The scale: gridlines with their values along the top; the reference mark when in range.
  grid.append(s('text', { class: 'ch-tick', x: left, y: 11, 'text-anchor': 'start' }, tick(0)));
  for (let v = step; v <= max + 1e-9; v += step) {
    if (mark != null && Math.abs(v - mark) < 1e-9) continue;
    grid.append(s('line', { class: 'ch-grid', x1: x(v), x2: x(v), y1: topPad - 4, y2: H - 4 }),
      s('text', { class: 'ch-tick', x: x(v), y: 11, 'text-anchor': 'middle' }, tick(v)));
  }
  if (mark != null && mark <= max + 1e-9) {
    grid.append(s('line', { class: 'ch-mark', x1: x(mark), x2: x(mark), y1: topPad - 4, y2: H - 4 }),
      s('text', { class: 'ch-tick ch-markt', x: x(mark), y: 11, 'text-anchor': 'middle' }, markLabel || tick(mark)));
  }
  svg.append(bands, grid, rows, s('line', { class: 'ch-axis', x1: left, x2: left, y1: topPad - 4, y2: H - 4 }));
  return frame({ id, title, summary, svg, extra,
    tableCols: cols || ['', ''],
    tableRows: list.map((it) => [it.label, it.text || format(it.value)]) });
}
