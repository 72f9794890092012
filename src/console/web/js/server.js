// The server's metrics as a dashboard: registrations, observations and queues, the rates of
// registration events, notifications and Sends, and every operation with its results and
// latency (from the histogram's buckets), and how the store writes. Read from /api/metrics every
// two seconds.
import {api} from './api.js';
import './plot.js';
import {el, fill, number} from './ui.js';

export function title() {
  return 'Server';
}

// The latency under which `q` of the operations completed, from the histogram's buckets (the
// bucket's upper bound; beyond the last bound: "> last").
function quantile(bounds, latency, q) {
  if (!latency.count) return '–';
  const target = q * latency.count;
  let seen = 0;
  for (let i = 0; i < latency.buckets.length; ++i) {
    seen += latency.buckets[i];
    if (seen >= target) return i < bounds.length ? `≤ ${seconds(bounds[i])}` : `> ${seconds(bounds.at(-1))}`;
  }
  return '–';
}

function seconds(s) {
  return s < 1 ? `${Math.round(s * 1000)} ms` : `${s} s`;
}

export function render(main) {
  const stat = (id, label) => el('div', {class: 'stat'}, el('div', {class: 'value', id}, '–'),
                                 el('div', {class: 'label'}, label));
  const rates = el('tbody');
  const ops = el('tbody');
  const store = el('tbody', {id: 'store-table'});
  const regPlot = document.createElement('drover-plot');
  regPlot.setAttribute('label', 'registered');
  const notePlot = document.createElement('drover-plot');
  notePlot.setAttribute('label', 'notifications / s');
  fill(main, el('h1', {}, 'Server'),
       el('div', {class: 'stats'},
          stat('m-registrations', 'registered'), stat('m-observations', 'observations'),
          stat('m-queued', 'queued for sleeping devices'), stat('m-inflight', 'operations in flight'),
          stat('m-pending', 'API operations waiting')),
       el('div', {class: 'grid'},
          el('section', {class: 'card'}, el('h2', {}, 'Registrations'), regPlot),
          el('section', {class: 'card'}, el('h2', {}, 'Notifications'), notePlot)),
       el('div', {class: 'grid'},
          el('section', {class: 'card'}, el('h2', {}, 'Events'),
             el('table', {}, el('thead', {}, el('tr', {}, ['Event', 'Total', 'Per second']
                 .map((h) => el('th', {scope: 'col'}, h)))), rates)),
          el('section', {class: 'card'}, el('h2', {}, 'Operations through the API'),
             el('div', {class: 'table-wrap'}, el('table', {id: 'operations-table'},
                el('thead', {}, el('tr', {}, ['Operation', 'Total', 'Results', 'Mean', 'p50', 'p99']
                    .map((h) => el('th', {scope: 'col'}, h)))), ops)))),
       el('section', {class: 'card'}, el('h2', {}, 'Store'), el('table', {}, store)));

  let previous = null;
  async function poll() {
    let m;
    try {
      m = (await api('/api/metrics')).body;
    } catch {
      return;
    }
    const now = performance.now();
    const set = (id, v) => {
      document.getElementById(id).textContent = number(v);
    };
    set('m-registrations', m.registrations);
    set('m-observations', m.observations);
    set('m-queued', m.queued_requests);
    set('m-inflight', m.operations_in_flight);
    set('m-pending', m.api_pending_operations);
    const counters = [['Registers', m.registration_events.register], ['Updates', m.registration_events.update],
                      ['De-registers', m.registration_events.deregister], ['Expiries', m.registration_events.expire],
                      ['Notifications', m.notifications], ['Sends', m.sends]];
    const dt = previous ? (now - previous.at) / 1000 : 0;
    const rate = (i) => (previous && dt > 0 ? Math.max(0, (counters[i][1] - previous.counters[i][1]) / dt) : 0);
    fill(rates, counters.map(([name, total], i) => el('tr', {},
        el('td', {}, name), el('td', {class: 'num'}, number(total)),
        el('td', {class: 'num'}, previous ? number(Math.round(rate(i) * 10) / 10) : '–'))));
    fill(ops, Object.entries(m.operations).filter(([, o]) => o.latency.count || Object.keys(o.results).length)
        .map(([name, o]) => {
          const total = Object.values(o.results).reduce((a, b) => a + b, 0);
          return el('tr', {},
              el('td', {}, name.replaceAll('_', ' ')), el('td', {class: 'num'}, number(total)),
              el('td', {}, Object.entries(o.results).map(([r, n]) =>
                  el('span', {class: `badge ${r === 'success' ? 'ok' : 'error'}`}, `${r} ${number(n)}`))),
              el('td', {class: 'num'}, o.latency.count ? seconds(Math.round(o.latency.sum / o.latency.count * 1000) / 1000) : '–'),
              el('td', {}, quantile(m.latency_bounds, o.latency, 0.5)),
              el('td', {}, quantile(m.latency_bounds, o.latency, 0.99)));
        }));
    if (!ops.children.length)
      fill(ops, el('tr', {}, el('td', {colspan: 6, class: 'muted'}, 'No operation yet.')));
    // Failed or dropped writes mean a disk in trouble: shown as errors.
    fill(store, m.store
      ? [['Changes written', m.store.committed], ['Transactions', m.store.batches],
         ['Waiting to be written', m.store.pending], ['Failed transactions (retried)', m.store.failed_batches],
         ['Changes dropped', m.store.dropped]].map(([name, n], i) => el('tr', {},
          el('td', {}, name),
          el('td', {class: 'num'}, i >= 3 && n ? el('span', {class: 'badge error'}, number(n)) : number(n))))
      : el('tr', {}, el('td', {class: 'muted'}, 'No store: this server keeps its state in memory only.')));
    const t = Date.now() / 1000;
    regPlot.push(t, m.registrations);
    if (previous) notePlot.push(t, rate(4));
    previous = {at: now, counters};
  }
  poll();
  const timer = setInterval(poll, 2000);
  return () => clearInterval(timer);
}
