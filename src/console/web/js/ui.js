// Small DOM helpers shared by the pages. Text from the server always goes in as text nodes
// (never as HTML), so a device's strings cannot inject markup.

// el('button', {class: 'x', onclick: f, 'aria-label': 'y'}, 'text', child...): an element.
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2), value);
    else if (key === 'class') node.className = value;
    else if (key in node && typeof value !== 'string') node[key] = value;
    else node.setAttribute(key, value === true ? '' : value);
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

// Replaces the children of `node`.
export function fill(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

export function number(n) {
  return typeof n === 'number' ? n.toLocaleString('en-US') : String(n ?? '');
}

// "12 s ago", "3 min ago" ... from Unix seconds.
export function ago(unixSeconds) {
  if (!unixSeconds) return '';
  const s = Math.max(0, Math.round(Date.now() / 1000 - unixSeconds));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

export function clock(date = new Date()) {
  return date.toLocaleTimeString('en-GB', {hour12: false}) +
      '.' + String(date.getMilliseconds()).padStart(3, '0');
}

export function debounce(fn, ms) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

// A message in the page's live region, read out by screen readers.
export function announce(text) {
  const region = document.getElementById('status');
  if (region) region.textContent = text;
}

// A labelled form field: <label>text <input></label>.
export function field(text, input, hint) {
  return el('label', {class: 'field'}, el('span', {}, text), input,
            hint ? el('small', {class: 'hint'}, hint) : null);
}
