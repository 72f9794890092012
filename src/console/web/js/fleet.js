// The fleet: the registered devices, searched by the start of their name and paged by the
// server's cursor (each page costs the server its size, wherever it is in the fleet), live as
// devices register, update, sleep, wake and leave. Two event streams: the lifecycle events of
// every device (which refresh the page at most once a second, and less often when a listing
// takes the server long: it answers on the thread that serves the devices), and the updates of
// the devices shown. Counts and rates come from /api/metrics every two seconds.
import {api, encode, eventStream} from './api.js';
import {ago, debounce, el, fill, number} from './ui.js';

const PAGE = 50;

export function title() {
  return 'Fleet';
}

export function render(main) {
  const state = {filter: new URLSearchParams(location.hash.split('?')[1] || '').get('q') || '',
                 // The cursor of each page up to the one shown (`after` of page i; '' for the first).
                 cursors: [''], page: 0, next: null, total: 0,
                 clients: new Map(), rows: new Map(), stopped: false};
  const counts = {registered: el('span', {class: 'value'}, '–'),
                  rate: el('span', {class: 'value'}, '–'),
                  updates: el('span', {class: 'value'}, '–'),
                  matching: el('span', {class: 'value'}, '–')};
  const stat = (value, label) => el('div', {class: 'stat'}, value, el('div', {class: 'label'}, label));
  const search = el('input', {type: 'search', id: 'fleet-search', value: state.filter,
                              placeholder: 'start of an endpoint name', autocomplete: 'off'});
  const body = el('tbody');
  const summary = el('span', {class: 'muted', 'aria-live': 'polite'});
  const prev = el('button', {type: 'button', onclick: () => page(-1)}, '← Previous');
  const next = el('button', {type: 'button', onclick: () => page(1)}, 'Next →');
  const live = el('span', {class: 'badge'}, 'connecting');

  fill(main,
      el('h1', {}, 'Fleet ', live),
      el('div', {class: 'stats'},
         stat(counts.registered, 'registered'), stat(counts.rate, 'registrations / s'),
         stat(counts.updates, 'updates / s'), stat(counts.matching, 'matching the search')),
      el('div', {class: 'card'},
         el('div', {class: 'toolbar', role: 'search'},
            el('label', {class: 'field', for: 'fleet-search'}, el('span', {}, 'Search endpoints'),
               search)),
         el('div', {class: 'table-wrap'},
            el('table', {id: 'fleet'},
               el('caption', {class: 'visually-hidden'}, 'Registered devices'),
               el('thead', {}, el('tr', {},
                  ['Endpoint', 'Address', 'LwM2M', 'Binding', 'Lifetime', 'State', 'Updated',
                   'Objects'].map((h) => el('th', {scope: 'col'}, h)))),
               body)),
         el('div', {class: 'pager'}, prev, next, summary)));

  function row(c) {
    const state_ = !c.queue_mode ? el('span', {class: 'badge ok'}, 'online')
        : c.awake ? el('span', {class: 'badge ok'}, 'awake')
        : el('span', {class: 'badge warn'}, 'sleeping');
    return el('tr', {'data-endpoint': c.endpoint},
        el('td', {}, el('a', {href: `#/devices/${encode(c.endpoint)}`}, c.endpoint)),
        el('td', {class: 'mono'}, c.address),
        el('td', {}, c.lwm2m_version),
        el('td', {}, c.binding + (c.queue_mode ? ' Q' : '')),
        el('td', {class: 'num'}, `${number(c.lifetime)} s`),
        el('td', {}, state_),
        el('td', {title: new Date(c.updated_at * 1000).toISOString()}, ago(c.updated_at)),
        el('td', {class: 'num'}, c.objects.length));
  }

  function draw() {
    fill(body, state.clients.size ? [...state.clients.values()].map((c) => {
      const tr = row(c);
      state.rows.set(c.endpoint, tr);
      return tr;
    }) : el('tr', {}, el('td', {colspan: 8, class: 'muted'},
        state.filter ? 'No device matches.' : 'No device is registered.')));
    const first = state.page * PAGE;
    summary.textContent = state.clients.size
        ? `${number(first + 1)}–${number(first + state.clients.size)} of ${number(state.total)}` : '';
    counts.matching.textContent = number(state.total);
    prev.disabled = state.page === 0;
    next.disabled = state.next === null;
  }

  let loading = null;
  let loadMs = 0;  // how long the last listing took
  async function load() {
    loading?.abort();
    loading = new AbortController();
    const started = performance.now();
    const query = new URLSearchParams({limit: PAGE});
    if (state.filter) query.set('prefix', state.filter);
    if (state.cursors[state.page]) query.set('after', state.cursors[state.page]);
    try {
      const {body: list} = await api(`/api/clients?${query}`, {signal: loading.signal});
      if (state.stopped) return;
      loadMs = performance.now() - started;
      state.total = list.total;
      state.next = list.next;
      if (!list.clients.length && state.page > 0) {  // the devices of this page left
        state.page -= 1;
        return load();
      }
      const before = new Set(state.clients.keys());
      state.clients = new Map(list.clients.map((c) => [c.endpoint, c]));
      state.rows.clear();
      draw();
      for (const [endpoint, tr] of state.rows)
        if (before.size && !before.has(endpoint)) tr.classList.add('fresh');
      watchShown();
    } catch (e) {
      if (e.name !== 'AbortError')
        fill(body, el('tr', {}, el('td', {colspan: 8, class: 'error-text'}, `Cannot list: ${e.message}`)));
    }
  }
  // At most once a second, and taking at most a tenth of the server's time.
  let refreshTimer = null;
  let lastRefresh = 0;
  function refresh() {
    if (refreshTimer) return;
    const wait = Math.max(0, lastRefresh + Math.max(1000, 10 * loadMs) - Date.now());
    refreshTimer = setTimeout(() => {
      refreshTimer = null;
      lastRefresh = Date.now();
      load();
    }, wait);
  }

  function page(step) {
    if (step > 0 && state.next === null) return;
    if (step > 0) state.cursors[state.page + 1] = state.next;
    state.page = Math.max(0, state.page + step);
    state.cursors.length = state.page + 1;
    load();
  }

  search.addEventListener('input', debounce(() => {
    state.filter = search.value.trim();
    state.page = 0;
    state.cursors = [''];
    history.replaceState(null, '', state.filter ? `#/?q=${encodeURIComponent(state.filter)}` : '#/');
    load();
  }, 250));

  // Lifecycle of every device: a device that leaves is struck out at once, then the page reloads.
  const stopLifecycle = eventStream('types=registration,deregistration,expiry', (type, data) => {
    if (type !== 'registration') state.rows.get(data.endpoint)?.classList.add('gone');
    if (type !== 'registration' || data.endpoint.startsWith(state.filter)) refresh();
  }, (s) => {
    live.textContent = s === 'open' ? 'live' : 'reconnecting';
    live.className = s === 'open' ? 'badge ok' : 'badge warn';
    if (s === 'open') load();
  });

  // Updates, sleep and wake of the devices shown.
  let stopShown = () => {};
  let shownKey = '';
  function watchShown() {
    const endpoints = [...state.clients.keys()];
    const key = endpoints.join('\n');
    if (key === shownKey) return;
    shownKey = key;
    stopShown();
    if (!endpoints.length) return;
    const query = new URLSearchParams({types: 'update,sleeping,awake'});
    for (const e of endpoints) query.append('endpoint', e);
    stopShown = eventStream(query.toString(), (type, data) => {
      const c = state.clients.get(data.endpoint);
      const tr = state.rows.get(data.endpoint);
      if (!c || !tr) return;
      if (type === 'update') Object.assign(c, data);
      if (type === 'sleeping') c.awake = false;
      if (type === 'awake') c.awake = true;
      const fresh = row(c);
      state.rows.set(c.endpoint, fresh);
      tr.replaceWith(fresh);
    });
  }

  // Counts and rates.
  let previous = null;
  async function poll() {
    try {
      const {body: m} = await api('/api/metrics');
      const now = performance.now();
      counts.registered.textContent = number(m.registrations);
      if (previous) {
        const seconds = (now - previous.at) / 1000;
        const rate = (a, b) => number(Math.max(0, Math.round((a - b) / seconds)));
        counts.rate.textContent = rate(m.registration_events.register, previous.m.registration_events.register);
        counts.updates.textContent = rate(m.registration_events.update, previous.m.registration_events.update);
      }
      previous = {m, at: now};
    } catch {
      // the next poll tries again
    }
  }
  poll();
  const timer = setInterval(poll, 2000);
  const agesTimer = setInterval(() => {
    for (const [endpoint, tr] of state.rows) {
      const c = state.clients.get(endpoint);
      if (c) tr.children[6].textContent = ago(c.updated_at);
    }
  }, 5000);
  load();

  return () => {
    state.stopped = true;
    loading?.abort();
    clearTimeout(refreshTimer);
    stopLifecycle();
    stopShown();
    clearInterval(timer);
    clearInterval(agesTimer);
  };
}
