// Small DOM helpers shared by the pages, and the table of a listing paged by name. Text from the
// server always goes in as text nodes (never as HTML), so a device's strings cannot inject markup.
import {api, routeAbsent} from './api.js';

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

// A table of a listing the server pages by name: GET `path`?after=&limit= answers
// {[key]: [entry...], next}, `next` being the `after` of the following page (null on the last).
// Previous and Next go over the cursors of the pages seen. The table has `id`, a `caption` for
// screen readers and the columns `heads`; `row(entry)` draws an entry, `empty` says there is
// none; `absent()` runs instead when the server has no such route.
export function namePages({path, key, id, caption, heads, row, empty, absent}) {
  const body = el('tbody');
  const cursors = [''];
  let page = 0;
  let next = null;
  const message = (text, className) => fill(body, el('tr', {}, el('td', {colspan: heads.length, class: className}, text)));
  async function load(after) {
    const query = new URLSearchParams({limit: 50});
    if (after) query.set('after', after);
    try {
      const {body: answer} = await api(`${path}?${query}`);
      const entries = answer[key];
      if (entries.length) fill(body, entries.map(row));
      else message(empty, 'muted');
      return {next: answer.next, count: entries.length};
    } catch (e) {
      if (routeAbsent(e)) absent();
      else message(`Cannot list: ${refusal(e)}`, 'error-text');
      return null;
    }
  }
  const previous = el('button', {type: 'button', disabled: true, onclick: () => go(-1)}, '← Previous');
  const following = el('button', {type: 'button', disabled: true, onclick: () => go(1)}, 'Next →');
  async function go(step) {
    if (step > 0 && next === null) return;
    if (step > 0) cursors[page + 1] = next;
    page = Math.max(0, page + step);
    cursors.length = page + 1;
    const shown = await load(cursors[page]);
    if (!shown) return;
    // The entries of this page were deleted: the one before.
    if (!shown.count && page > 0) return go(-1);
    next = shown.next;
    previous.disabled = page === 0;
    following.disabled = next === null;
  }
  const table = el('div', {class: 'table-wrap'}, el('table', {id},
      el('caption', {class: 'visually-hidden'}, caption),
      el('thead', {}, el('tr', {}, heads.map((h) => el('th', {scope: 'col'}, h)))), body));
  return {node: [table, el('div', {class: 'pager'}, previous, following)], reload: () => go(0)};
}

// An API error as the page shows it: the server's reason and its code.
export function refusal(error) {
  return error.code ? `${error.message} (${error.code})` : error.message;
}

// A line telling how the last action went, read out by screen readers.
export function statusLine(id) {
  const node = el('p', {role: 'status', id});
  const say = (text, ok = true) => {
    node.textContent = text;
    node.className = ok ? 'muted' : 'error-text';
  };
  return {node, say};
}
