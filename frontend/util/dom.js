// Tiny element builder: h('p', {class: 'x', onclick: f}, 'text', child).
const PROPS = new Set(['value', 'checked', 'disabled', 'hidden', 'selected', 'textContent', 'htmlFor']);

export function h(tag, props, ...kids) {
  const el = document.createElement(tag);
  for (const k in props || {}) {
    const v = props[k];
    if (v == null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'html') el.innerHTML = v; // only for server-rendered safe HTML
    else if (PROPS.has(k)) el[k] = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  add(el, kids);
  return el;
}

export function add(el, kids) {
  for (const c of kids) {
    if (c == null || c === false) continue;
    if (Array.isArray(c)) add(el, c);
    else el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

export const clear = (el, ...kids) => { el.replaceChildren(); return add(el, kids); };
export const $ = (sel, root = document) => root.querySelector(sel);
