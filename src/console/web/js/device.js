// One device: its registration; the object tree from its registration and the server's object
// models, with every operation each node allows (Read in a chosen format, Write with inputs
// checked against the model, Execute with arguments, Create and Delete, Write-Attributes,
// Observe and Cancel, Discover, composite Read and Observe of the resources ticked); live values
// from notifications and Sends, plotted for numeric resources; the operations and their results
// (queued ones for a sleeping device shown queued, then answered); and its CoAP message log.
import {api, encode, eventStream} from './api.js';
import './plot.js';
import {NUMERIC, show, valueInput, valueOf} from './values.js';
import {ago, announce, clock, el, field, fill, number} from './ui.js';

const FORMATS = ['', 'text', 'tlv', 'senml-json', 'senml-cbor', 'lwm2m-cbor', 'cbor', 'oma-json',
                 'opaque'];
const ATTRIBUTES = ['pmin', 'pmax', 'gt', 'lt', 'st', 'epmin', 'epmax', 'edge', 'con', 'hqmax'];
const LOG_LIMIT = 300;

export function title(endpoint) {
  return endpoint;
}

export function render(main, endpoint) {
  const base = `/api/clients/${encode(endpoint)}`;
  const s = {
    client: null, models: new Map(),
    values: new Map(),          // path -> record {path, value, type, time, units}
    valueCells: new Map(),      // path -> element showing the value(s) under it
    plots: new Map(),           // path -> <drover-plot>
    observations: new Map(),    // key (path, or "composite ...") -> observation id
    observeButtons: new Map(),  // key -> button
    queued: new Map(),          // operation id -> log entry
    selected: new Set(),        // paths ticked for composite operations
    stops: [],
  };

  const badge = el('span', {class: 'badge'}, '');
  const facts = el('dl', {class: 'facts'});
  const tree = el('div', {class: 'tree', id: 'tree'}, el('p', {class: 'muted'}, 'Loading…'));
  const format = el('select', {id: 'format'},
                    FORMATS.map((f) => el('option', {value: f}, f || 'server’s choice')));
  const opsLog = el('ul', {id: 'operations'});
  const plots = el('div', {id: 'plots'}, el('p', {class: 'muted', id: 'no-plots'},
      'Observe or read a numeric resource, then press Plot.'));
  const coapList = el('ul', {id: 'coap-log'});
  const coapToggle = el('button', {type: 'button', 'aria-pressed': 'false', id: 'coap-toggle'},
                        'Show CoAP messages');
  const compositeCount = el('span', {class: 'muted'}, 'none ticked');
  const banner = el('p', {role: 'alert', class: 'error-text'});

  fill(main,
      el('p', {}, el('a', {href: '#/'}, '← Fleet')),
      el('h1', {}, endpoint, ' ', badge), banner,
      el('div', {class: 'columns'},
         el('div', {},
            el('section', {class: 'card', 'aria-labelledby': 'h-objects'},
               el('h2', {id: 'h-objects'}, 'Objects'),
               el('div', {class: 'toolbar'},
                  field('Read format', format),
                  el('div', {class: 'field'}, el('span', {}, 'Composite: ', compositeCount),
                     el('div', {class: 'ops'},
                        el('button', {type: 'button', onclick: compositeRead}, 'Read ticked'),
                        el('button', {type: 'button', onclick: compositeObserve, id: 'composite-observe'},
                           'Observe ticked')))),
               tree)),
         el('div', {},
            el('section', {class: 'card', 'aria-labelledby': 'h-reg'},
               el('h2', {id: 'h-reg'}, 'Registration'), facts),
            el('section', {class: 'card', 'aria-labelledby': 'h-ops'},
               el('h2', {id: 'h-ops'}, 'Operations'),
               el('div', {class: 'log', 'aria-live': 'polite'}, opsLog)),
            el('section', {class: 'card', 'aria-labelledby': 'h-plots'},
               el('h2', {id: 'h-plots'}, 'Live values'), plots),
            el('section', {class: 'card', 'aria-labelledby': 'h-coap'},
               el('h2', {id: 'h-coap'}, 'CoAP messages'), coapToggle,
               el('div', {class: 'log'}, coapList)))));

  // ---- Registration.
  function drawClient() {
    const c = s.client;
    badge.textContent = !c.queue_mode ? 'online' : c.awake ? 'awake' : 'sleeping';
    badge.className = `badge ${c.queue_mode && !c.awake ? 'warn' : 'ok'}`;
    const row = (k, v) => [el('dt', {}, k), el('dd', {}, v)];
    fill(facts,
         row('LwM2M version', c.lwm2m_version), row('Binding', c.binding),
         row('Queue mode', c.queue_mode ? (c.awake ? 'yes, awake' : 'yes, sleeping') : 'no'),
         row('Lifetime', `${number(c.lifetime)} s`), row('Address', el('code', {}, c.address)),
         row('Location', el('code', {}, c.location)),
         row('Registered', `${new Date(c.registered_at * 1000).toLocaleString()} (${ago(c.registered_at)})`),
         row('Updated', ago(c.updated_at)),
         row('Expires', new Date(c.expires_at * 1000).toLocaleString()),
         row('Content formats', c.content_formats.join(', ') || 'none announced'),
         c.sms ? row('SMS', c.sms) : null);
  }

  // ---- Operations and their results.
  function logEntry(label) {
    const status = el('span', {class: 'badge'}, 'waiting');
    const detail = el('div', {class: 'mono'});
    const li = el('li', {}, el('span', {class: 'muted'}, clock(), ' '), label, ' ', status, detail);
    opsLog.prepend(li);
    while (opsLog.children.length > 100) opsLog.lastChild.remove();
    return {li, status, detail};
  }

  function settle(entry, ok, text, detail) {
    entry.status.textContent = text;
    entry.status.className = `badge ${ok ? 'ok' : 'error'}`;
    if (detail) entry.detail.textContent = detail;
    announce(`${entry.li.textContent}`);
  }

  // Runs an operation; `done(body)` uses its success. Queued ones finish on the event stream.
  async function run(label, path, {method = 'GET', body, done} = {}) {
    const entry = logEntry(label);
    try {
      const {status, body: answer} = await api(path, {method, body});
      if (status === 202 && answer?.queued) {
        entry.status.textContent = `queued #${answer.id}`;
        entry.status.className = 'badge warn';
        s.queued.set(answer.id, {entry, done});
        return null;
      }
      settle(entry, true, answer?.code || String(status), summary(answer));
      done?.(answer);
      return answer;
    } catch (e) {
      settle(entry, false, e.code || `HTTP ${e.status ?? ''}`, e.message);
      return null;
    }
  }

  function summary(answer) {
    if (!answer) return '';
    if (answer.values) return answer.values.map((v) => `${v.path} = ${show(v.value)}`).join('\n');
    if (answer.links) return answer.links.map((l) => `<${l.target}>` + Object.entries(l.attributes)
        .map(([k, v]) => `;${k}${v === null ? '' : `=${v}`}`).join('')).join(',\n');
    if (answer.created) return `created ${answer.created}`;
    return '';
  }

  function query(extra = {}) {
    const q = new URLSearchParams({names: '1', ...extra});
    if (format.value) q.set('format', format.value);
    return q.toString();
  }

  // ---- Values in the tree and the plots.
  function applyValues(values, time) {
    for (const v of values || []) {
      s.values.set(v.path, v);
      const t = v.time ?? time ?? Date.now() / 1000;
      s.plots.get(v.path)?.push(t, Number(v.value));
      // The resource's cell shows its value, or its instances' values.
      const parts = v.path.split('/');
      const resourcePath = parts.slice(0, 4).join('/');
      const cell = s.valueCells.get(resourcePath);
      if (!cell) continue;
      const shown = [...s.values.values()].filter((x) => x.path === resourcePath ||
                                                    x.path.startsWith(`${resourcePath}/`));
      cell.textContent = shown.map((x) => (x.path === resourcePath ? '' : `[${x.path.split('/')[4]}] `) +
                                   show(x.value, x.type) + (x.units ? ` ${x.units}` : '')).join(', ');
      cell.classList.remove('fresh');
      void cell.offsetWidth;
      cell.classList.add('fresh');
    }
  }

  function togglePlot(path, resource, button) {
    if (s.plots.has(path)) {
      s.plots.get(path).closest('figure').remove();
      s.plots.delete(path);
      button.setAttribute('aria-pressed', 'false');
    } else {
      const plot = document.createElement('drover-plot');
      plot.setAttribute('label', `${resource.name}${resource.units ? ` (${resource.units})` : ''}`);
      const figure = el('figure', {class: 'plot', 'data-path': path},
                        el('figcaption', {}, `${path} ${resource.name}`), plot);
      document.getElementById('no-plots')?.remove();
      plots.append(figure);
      s.plots.set(path, plot);
      const known = s.values.get(path);
      if (known) plot.push(known.time ?? Date.now() / 1000, Number(known.value));
      button.setAttribute('aria-pressed', 'true');
    }
  }

  // ---- Forms under a node.
  function openForm(slot, ...content) {
    if (slot.firstChild) {
      slot.replaceChildren();
      return null;
    }
    const form = el('form', {class: 'form'}, ...content);
    slot.append(form);
    form.querySelector('input, select, textarea')?.focus();
    return form;
  }

  function attributesForm(slot, path) {
    const inputs = ATTRIBUTES.map((a) => el('input', {id: `attr-${path}-${a}`, size: 6,
                                                      type: a === 'edge' || a === 'con' ? 'number' : 'text'}));
    const form = openForm(slot, el('div', {class: 'row'},
        ATTRIBUTES.map((a, i) => field(a, inputs[i]))),
        el('p', {class: 'hint'}, 'Empty fields are left as they are; "-" clears an attribute.'),
        el('div', {class: 'row'}, el('button', {class: 'primary'}, 'Write attributes')));
    form?.addEventListener('submit', (e) => {
      e.preventDefault();
      const q = new URLSearchParams();
      ATTRIBUTES.forEach((a, i) => {
        const v = inputs[i].value.trim();
        if (v === '-') q.append(a, '');
        else if (v) q.set(a, v);
      });
      const text = q.toString().replace(/=(&|$)/g, '$1');  // a bare name clears it
      if (!text) return announce('No attribute given');
      run(`Write-Attributes ${path}?${text}`, `${base}${path}/attributes?${text}`, {method: 'PUT'});
    });
  }

  function writeForm(slot, path, resource) {
    const id = `write-${path}`;
    const input = valueInput(resource, id);
    const instance = resource.multiple ? el('input', {type: 'number', min: 0, max: 65534, value: 0,
                                                      id: `${id}-ri`, required: true}) : null;
    const form = openForm(slot, el('div', {class: 'row'},
        instance ? field('Resource instance', instance) : null,
        field(`${resource.name} (${resource.type}${resource.range ? `, ${resource.range}` : ''})`, input,
              resource.units ? resource.units : null),
        el('button', {class: 'primary'}, 'Write')));
    form?.addEventListener('submit', (e) => {
      e.preventDefault();
      let value;
      try {
        value = valueOf(resource, input);
      } catch (err) {
        return announce(`Not written: ${err.message}`);
      }
      const target = instance ? `${path}/${instance.value}` : path;
      const q = format.value ? `?format=${format.value}` : '';
      run(`Write ${target} = ${show(value)}`, `${base}${target}${q}`,
          {method: 'PUT', body: {values: [{path: target, value}]}});
    });
  }

  function executeForm(slot, path) {
    const args = el('input', {id: `exec-${path}`, placeholder: "0='text',1", size: 24});
    const form = openForm(slot, el('div', {class: 'row'}, field('Arguments (optional)', args),
                                   el('button', {class: 'primary'}, 'Execute')));
    form?.addEventListener('submit', (e) => {
      e.preventDefault();
      run(`Execute ${path}${args.value ? ` (${args.value})` : ''}`, `${base}${path}/execute`,
          {method: 'POST', body: args.value});
    });
  }

  function createForm(slot, object, model) {
    const used = object.instances;
    const free = used.length ? Math.max(...used) + 1 : 0;
    const instance = el('input', {type: 'number', min: 0, max: 65534, value: free, required: true,
                                  id: `create-${object.id}`});
    const writable = (model?.resources || []).filter((r) => r.operations.includes('W') && !r.multiple);
    const rows = writable.map((r) => {
      const include = el('input', {type: 'checkbox', checked: r.mandatory,
                                   id: `create-${object.id}-${r.id}-on`});
      const input = valueInput(r, `create-${object.id}-${r.id}`);
      input.required = false;
      return {r, include, input, node: el('div', {class: 'row'},
          el('label', {}, include, ` ${r.id} ${r.name}`), input)};
    });
    const form = openForm(slot, field('New instance', instance), rows.map((x) => x.node),
                          el('div', {class: 'row'}, el('button', {class: 'primary'}, 'Create')));
    form?.addEventListener('submit', (e) => {
      e.preventDefault();
      const values = [];
      try {
        for (const x of rows) {
          if (!x.include.checked) continue;
          values.push({path: `/${object.id}/${instance.value}/${x.r.id}`, value: valueOf(x.r, x.input)});
        }
      } catch (err) {
        return announce(`Not created: ${err.message}`);
      }
      if (!values.length) return announce('Tick at least one resource to create the instance with');
      run(`Create /${object.id}/${instance.value}`, `${base}/${object.id}`,
          {method: 'POST', body: {instance: Number(instance.value), values}, done: reload});
    });
  }

  // ---- The buttons of a node.
  function observeButton(key, path, label = 'Observe') {
    const button = el('button', {type: 'button', class: 'small', 'data-op': 'observe'}, label);
    s.observeButtons.set(key, button);
    button.addEventListener('click', async () => {
      if (s.observations.has(key)) {
        await run(`Cancel observation ${key}`, `${base}${path}/observe`, {method: 'DELETE'});
        s.observations.delete(key);
        button.textContent = label;
        button.setAttribute('aria-pressed', 'false');
        return;
      }
      const answer = await run(`Observe ${path}`, `${base}${path}/observe?${query()}`, {
        method: 'POST', done: (a) => applyValues(a.values)});
      if (answer?.observing) {
        s.observations.set(key, answer.id);
        button.textContent = 'Cancel';
        button.setAttribute('aria-pressed', 'true');
      }
    });
    return button;
  }

  function nodeOps(path, {read = true, observe = true, discover = true, attributes = true, extra = []} = {}, slot) {
    const b = (label, op, fn) => el('button', {type: 'button', class: 'small', 'data-op': op, onclick: fn}, label);
    return el('span', {class: 'ops'},
        read ? b('Read', 'read', () => run(`Read ${path}`, `${base}${path}?${query()}`,
                                          {done: (a) => applyValues(a.values)})) : null,
        observe ? observeButton(path, path) : null,
        discover ? b('Discover', 'discover', () => run(`Discover ${path}`, `${base}${path}/discover`)) : null,
        attributes ? b('Attributes', 'attributes', () => attributesForm(slot, path)) : null,
        ...extra);
  }

  function resourceRow(objectId, instanceId, r) {
    const path = `/${objectId}/${instanceId}/${r.id}`;
    const slot = el('div');
    const value = el('span', {class: 'value', 'data-path': path});
    s.valueCells.set(path, value);
    const readable = r.operations.includes('R');
    const b = (label, op, fn) => el('button', {type: 'button', class: 'small', 'data-op': op, onclick: fn}, label);
    const extra = [];
    if (r.operations.includes('W')) extra.push(b('Write', 'write', () => writeForm(slot, path, r)));
    if (r.operations.includes('E')) extra.push(b('Execute', 'execute', () => executeForm(slot, path)));
    if (readable && NUMERIC.has(r.type))
      extra.push(el('button', {type: 'button', class: 'small', 'aria-pressed': 'false', 'data-op': 'plot',
                               onclick: (e) => togglePlot(path, r, e.currentTarget)}, 'Plot'));
    if (r.multiple) extra.push(b('Delete instance', 'delete', () => {
      const ri = prompt(`Delete which instance of ${path}?`, '0');
      if (ri !== null && /^\d+$/.test(ri)) run(`Delete ${path}/${ri}`, `${base}${path}/${ri}`, {method: 'DELETE'});
    }));
    const tick = readable ? el('input', {type: 'checkbox', 'aria-label': `select ${path} for composite operations`,
                                         onchange: (e) => {
                                           if (e.target.checked) s.selected.add(path);
                                           else s.selected.delete(path);
                                           compositeCount.textContent = s.selected.size
                                               ? `${s.selected.size} ticked` : 'none ticked';
                                         }}) : el('span');
    const row = el('div', {class: 'resource', 'data-path': path},
        tick,
        el('span', {}, el('span', {class: 'node-name'}, r.name), ' ',
           el('code', {}, `${r.id}`), ' ',
           el('span', {class: 'muted'}, [r.type, r.units, r.range, r.operations, r.multiple ? 'multiple' : '']
               .filter(Boolean).join(' · ')), el('br'), value),
        nodeOps(path, {read: readable, observe: readable, attributes: readable, extra}, slot),
        el('div', {class: 'desc'}, r.description, slot));
    return row;
  }

  function drawTree() {
    s.valueCells.clear();
    const objects = [...s.client.objects].sort((a, b) => a.id - b.id);
    // A redraw keeps the objects opened or closed as they were; at first only a few are open.
    const drawn = [...tree.querySelectorAll('details[data-path]')];
    const open = drawn.length
        ? new Set(drawn.filter((d) => d.open).map((d) => d.dataset.path))
        : new Set(objects.filter((o) => objects.length <= 3 || o.id === 3).map((o) => `/${o.id}`));
    fill(tree, objects.map((o) => {
      const model = s.models.get(o.id);
      const name = model ? model.name : 'unknown object (no model)';
      const slot = el('div');
      const creatable = model ? model.multiple || o.instances.length === 0 : true;
      const b = (label, op, fn) => el('button', {type: 'button', class: 'small', 'data-op': op, onclick: fn}, label);
      return el('details', {open: open.has(`/${o.id}`), 'data-path': `/${o.id}`},
          el('summary', {}, el('span', {class: 'node-name'}, name), el('code', {}, `/${o.id}`),
             o.version ? el('span', {class: 'muted'}, `v${o.version}`) : null,
             nodeOps(`/${o.id}`, {extra: creatable ? [b('Create', 'create', () => createForm(slot, o, model))] : []}, slot)),
          slot,
          o.instances.map((i) => {
            const islot = el('div');
            return el('details', {open: true, 'data-path': `/${o.id}/${i}`},
                el('summary', {}, el('span', {class: 'node-name'}, `Instance ${i}`), el('code', {}, `/${o.id}/${i}`),
                   nodeOps(`/${o.id}/${i}`, {extra: [b('Delete', 'delete', () => {
                     if (confirm(`Delete /${o.id}/${i} on ${endpoint}?`))
                       run(`Delete /${o.id}/${i}`, `${base}/${o.id}/${i}`, {method: 'DELETE', done: reload});
                   })]}, islot)),
                islot,
                model ? model.resources.map((r) => resourceRow(o.id, i, r))
                      : el('p', {class: 'muted'}, 'No model of this object: read it to see its values.'));
          }));
    }));
    for (const v of s.values.values()) applyValues([v]);
  }

  // ---- Composite operations on the ticked resources.
  function ticked() {
    if (!s.selected.size) {
      announce('Tick the resources first');
      return null;
    }
    return [...s.selected];
  }
  function compositeRead() {
    const paths = ticked();
    if (paths) run(`Read-Composite ${paths.join(' ')}`, `${base}/composite/read?${query()}`,
                   {method: 'POST', body: {paths}, done: (a) => applyValues(a.values)});
  }
  async function compositeObserve(e) {
    const button = e.currentTarget;
    if (s.compositePaths) {
      const paths = s.compositePaths;
      await run('Cancel Observe-Composite', `${base}/composite/observe`, {method: 'DELETE', body: {paths}});
      s.compositePaths = null;
      button.textContent = 'Observe ticked';
      return;
    }
    const paths = ticked();
    if (!paths) return;
    const answer = await run(`Observe-Composite ${paths.join(' ')}`, `${base}/composite/observe?${query()}`,
                             {method: 'POST', body: {paths}, done: (a) => applyValues(a.values)});
    if (answer?.observing) {
      s.compositePaths = paths;
      button.textContent = 'Cancel composite observation';
    }
  }

  // ---- Loading.
  async function loadModels() {
    await Promise.all(s.client.objects.map(async (o) => {
      if (s.models.has(o.id)) return;
      const versioned = o.version ? `?version=${encodeURIComponent(o.version)}` : '';
      try {
        s.models.set(o.id, (await api(`/api/models/${o.id}${versioned}`)).body);
      } catch {
        try {
          s.models.set(o.id, (await api(`/api/models/${o.id}`)).body);
        } catch {
          // no model: the object is shown without one
        }
      }
    }));
  }

  async function reload() {
    try {
      s.client = (await api(base)).body;
    } catch (e) {
      banner.textContent = e.status === 404 ? `${endpoint} is not registered.` : `Cannot load: ${e.message}`;
      fill(tree, el('p', {class: 'muted'}, 'Nothing to show.'));
      return;
    }
    banner.textContent = '';
    drawClient();
    await loadModels();
    drawTree();
  }

  // ---- The device's events.
  s.stops.push(eventStream(`endpoint=${encode(endpoint)}&names=1`, (type, data) => {
    if (type === 'notification' || type === 'send') {
      if (!data.values) return;
      applyValues(data.values);
    } else if (type === 'update' || type === 'registration') {
      const objectsChanged = type === 'registration' || data.objects_changed;
      s.client = data;
      banner.textContent = '';
      drawClient();
      if (objectsChanged) loadModels().then(drawTree);
    } else if (type === 'sleeping' || type === 'awake') {
      if (s.client) {
        s.client.awake = type === 'awake';
        drawClient();
      }
    } else if (type === 'deregistration' || type === 'expiry') {
      banner.textContent = type === 'expiry' ? `${endpoint}'s registration expired.`
                                             : `${endpoint} de-registered.`;
      badge.textContent = 'gone';
      badge.className = 'badge error';
      for (const [key, button] of s.observeButtons) {
        s.observations.delete(key);
        button.textContent = 'Observe';
      }
    } else if (type === 'result') {
      const queued = s.queued.get(data.id);
      if (!queued) return;
      s.queued.delete(data.id);
      const ok = data.status < 300;
      const answer = data.response;
      settle(queued.entry, ok, ok ? answer.code : answer.error?.code,
             ok ? summary(answer) : answer.error?.message);
      if (ok) queued.done?.(answer);
    }
  }));

  // ---- The CoAP message log.
  let stopCoap = null;
  coapToggle.addEventListener('click', () => {
    if (stopCoap) {
      stopCoap();
      stopCoap = null;
      coapToggle.textContent = 'Show CoAP messages';
      coapToggle.setAttribute('aria-pressed', 'false');
      return;
    }
    coapToggle.textContent = 'Stop showing CoAP messages';
    coapToggle.setAttribute('aria-pressed', 'true');
    stopCoap = eventStream(`endpoint=${encode(endpoint)}&coap=1&types=coap`, (type, m) => {
      const options = (m.options || []).map((o) => `${o.name}: ${o.value === null ? '' : o.value}`).join(', ');
      const head = m.malformed ? `malformed: ${m.malformed}`
          : `${m.type} ${m.code_name || m.code} mid ${m.mid}${m.token ? ` token ${m.token}` : ''}`;
      coapList.prepend(el('li', {class: 'mono', 'data-direction': m.direction},
          el('span', {class: m.direction === 'in' ? 'dir-in' : 'dir-out'},
             m.direction === 'in' ? '→ in ' : '← out '),
          `${clock()} ${m.peer} ${head} (${m.size} bytes${m.payload_size ? `, payload ${m.payload_size}` : ''})`,
          options ? el('div', {class: 'muted'}, options) : null));
      while (coapList.children.length > LOG_LIMIT) coapList.lastChild.remove();
    });
  });

  reload();
  return () => {
    for (const stop of s.stops) stop();
    stopCoap?.();
  };
}
