// The bootstrap server of `drover server --bootstrap-port`: its configurations by endpoint name
// (paged as the API pages them; secrets as the API answers them, masked), created or replaced
// from a form or as JSON (the server's reason shown when it refuses one) and deleted; a
// server-initiated bootstrap of a device at its address; the sessions' live events. Without the
// bootstrap role the server has no such routes (404), and the page says so.
import {api, encode, eventStream, routeAbsent} from './api.js';
import {announce, clock, el, field, fill, namePages, number, refusal, statusLine} from './ui.js';

const EVENT_LIMIT = 200;
const VERSIONS = ['', '1.0', '1.1', '1.2'];
const FORMATS = ['', 'tlv', 'senml-json', 'senml-cbor', 'lwm2m-cbor'];
const MODES = ['nosec', 'psk', 'rpk', 'x509'];
const OBJECTS = {0: 'Security', 1: 'Server', 2: 'Access Control'};

export function title(name) {
  return name === undefined ? 'Bootstrap' : `Bootstrap of ${name}`;
}

export function render(main, name) {
  return name === undefined ? overview(main) : one(main, name);
}

const configPath = (name) => `/api/bootstrap/configs/${encode(name)}`;
const shownName = (name) => (name === '*' ? '* (every other endpoint)' : name);

function notRunning(main) {
  fill(main, el('h1', {}, 'Bootstrap'),
       el('div', {class: 'card', id: 'bootstrap-absent', role: 'alert'},
          el('p', {}, 'The bootstrap server is not running on this server: there are no ',
             'bootstrap configurations or sessions here.'),
          el('p', {}, 'Start the server with ', el('code', {}, '--bootstrap-port PORT'),
             ' (for example ', el('code', {}, 'drover server --bootstrap-port 5783'),
             ') to provision devices from this page.')));
}

function liveBadge() {
  const badge = el('span', {class: 'badge'}, 'connecting');
  const state = (s) => {
    badge.textContent = s === 'open' ? 'live' : 'reconnecting';
    badge.className = s === 'open' ? 'badge ok' : 'badge warn';
  };
  return {badge, state};
}

// The configurations, the form to add one, the bootstrap of a device and the events of all.
function overview(main) {
  const stops = [];
  const stopAll = () => stops.splice(0).forEach((stop) => stop());
  const live = liveBadge();
  const {node: status, say} = statusLine('configs-status');
  const editorSlot = el('div');
  const stat = (key, label) => el('div', {class: 'stat'}, el('div', {class: 'value', id: `bs-${key}`}, '–'),
                                  el('div', {class: 'label'}, label));
  const pager = namePages({
    path: '/api/bootstrap/configs', key: 'configs', id: 'configs',
    caption: 'Bootstrap configurations by endpoint name',
    heads: ['Endpoint', 'LwM2M servers', 'Bootstrap server', ''], empty: 'No configuration yet.',
    row: ({endpoint, config}) => configRow(endpoint, config),
    absent: () => {
      stopAll();
      notRunning(main);
    },
  });

  function configRow(name, config) {
    const accounts = config.servers.filter((s) => !s.security.bootstrap);
    const own = config.servers.find((s) => s.security.bootstrap);
    return el('tr', {'data-name': name},
        el('td', {}, el('a', {href: `#/bootstrap/${encode(name)}`}, shownName(name))),
        el('td', {}, accounts.map((s) => el('div', {class: 'mono'}, `${s.security.uri} (${s.security.mode})`))),
        el('td', {class: 'mono'}, own?.security.uri ?? '–'),
        el('td', {}, el('button', {type: 'button', class: 'small',
                                   onclick: () => remove(name, () => {
                                     say(`Deleted the configuration of ${name}.`);
                                     pager.reload();
                                   }, (why) => say(why, false))},
                       'Delete')));
  }

  const add = el('button', {type: 'button', id: 'config-new', onclick: () => {
    add.disabled = true;
    const close = () => {
      fill(editorSlot);
      add.disabled = false;
      add.focus();
    };
    fill(editorSlot, editor({
      saved: (name, created) => {
        close();
        say(`${created ? 'Created' : 'Replaced'} the configuration of ${name}.`);
        pager.reload();
      },
      cancel: close,
    }));
  }}, 'New configuration');

  fill(main,
       el('h1', {}, 'Bootstrap ', live.badge),
       el('div', {class: 'stats'},
          stat('sessions', 'sessions under way'), stat('started', 'started'),
          stat('finished', 'finished'), stat('failed', 'failed')),
       el('div', {class: 'columns'},
          el('section', {class: 'card', 'aria-labelledby': 'h-configs'},
             el('h2', {id: 'h-configs'}, 'Configurations'),
             el('div', {class: 'toolbar'}, add), editorSlot, status, pager.node),
          el('div', {}, sessionCard(''), eventsCard(undefined, live.state, stops))));

  async function poll() {
    try {
      const {body: m} = await api('/api/bootstrap/metrics');
      for (const key of ['sessions', 'started', 'finished', 'failed'])
        document.getElementById(`bs-${key}`).textContent = number(m[key]);
    } catch {
      // the listing says why the page cannot show the bootstrap server
    }
  }
  poll();
  const timer = setInterval(poll, 2000);
  stops.push(() => clearInterval(timer));
  pager.reload();
  return stopAll;
}

// One configuration as the API answers it (secrets masked), to replace or delete; the bootstrap
// of that device and its events.
function one(main, name) {
  const stops = [];
  const live = liveBadge();
  const card = el('section', {class: 'card', id: 'config-view', 'aria-labelledby': 'h-config'},
                  el('p', {class: 'muted'}, 'Loading…'));
  fill(main,
       el('p', {}, el('a', {href: '#/bootstrap'}, '← Bootstrap')),
       el('h1', {}, 'Bootstrap of ', shownName(name), ' ', live.badge),
       el('div', {class: 'columns'}, card,
          el('div', {}, sessionCard(name === '*' ? '' : name), eventsCard(name, live.state, stops))));

  async function load() {
    try {
      draw((await api(configPath(name))).body);
    } catch (e) {
      if (routeAbsent(e)) {
        stops.splice(0).forEach((stop) => stop());
        notRunning(main);
      } else {
        fill(card, el('h2', {id: 'h-config'}, 'Configuration'), el('p', {class: 'error-text'}, refusal(e)),
             el('button', {type: 'button', onclick: () => edit(null)}, 'Create it'));
      }
    }
  }

  function edit(config) {
    fill(card, el('h2', {id: 'h-config'}, config ? 'Replace the configuration' : 'New configuration'),
         editor({name, config, saved: load, cancel: load}));
  }

  function draw(config) {
    const status = el('p', {role: 'status'});
    fill(card, el('h2', {id: 'h-config'}, 'Configuration'),
         el('div', {class: 'toolbar'},
            el('button', {type: 'button', id: 'config-edit', onclick: () => edit(config)}, 'Replace…'),
            el('button', {type: 'button', id: 'config-delete',
                          onclick: () => remove(name, () => { location.hash = '#/bootstrap'; }, (why) => {
                            status.textContent = why;
                            status.className = 'error-text';
                          })}, 'Delete')),
         status, describe(config));
  }

  load();
  return () => stops.splice(0).forEach((stop) => stop());
}

async function remove(name, done, failed) {
  if (!confirm(`Delete the bootstrap configuration of ${name}?`)) return;
  try {
    await api(configPath(name), {method: 'DELETE'});
    announce(`Deleted the configuration of ${name}`);
    done();
  } catch (e) {
    failed(`Not deleted: ${refusal(e)}`);
  }
}

// An identity as the API answers it (hex), with its text when it is printable.
function identity(hex) {
  if (!hex) return '–';
  const text = hex.match(/../g).map((b) => String.fromCharCode(parseInt(b, 16))).join('');
  return /^[\x20-\x7e]+$/.test(text) ? `${text} (${hex})` : hex;
}

function describe(config) {
  const row = (k, v) => [el('dt', {}, k), el('dd', {}, v)];
  const table = (id, heads, rows) => el('div', {class: 'table-wrap'}, el('table', {id},
      el('thead', {}, el('tr', {}, heads.map((h) => el('th', {scope: 'col'}, h)))),
      el('tbody', {}, rows)));
  return [
    el('dl', {class: 'facts'},
       row('LwM2M version', config.version ?? 'the device’s'),
       row('Format', config.format ?? 'from the device’s or its version'),
       row('Discover first', config.discover ? 'yes' : 'no'),
       row('Read', config.read.join(' ') || 'nothing'),
       row('Delete', config.delete.join(' ') || 'nothing'),
       row('Write order', config.order.map((o) => OBJECTS[o] ?? o).join(', '))),
    el('h3', {}, 'Accounts'),
    table('config-accounts', ['Account', 'URI', 'Mode', 'Identity', 'Secret key', 'Server'],
          config.servers.map(({security: s, server}) => el('tr', {},
              el('td', {}, s.bootstrap ? 'bootstrap server' : `ssid ${s.ssid ?? '–'}`),
              el('td', {class: 'mono'}, s.uri), el('td', {}, s.mode),
              el('td', {class: 'mono'}, identity(s.identity)),
              el('td', {class: 'mono'}, s.secret_key ?? '–'),
              el('td', {}, server ? `lifetime ${number(server.lifetime)} s, binding ${server.binding}` +
                                    (server.pmin !== undefined ? `, pmin ${server.pmin}` : '') +
                                    (server.pmax !== undefined ? `, pmax ${server.pmax}` : '') : '–')))),
    config.acls.length ? [
      el('h3', {}, 'Access control'),
      table('config-acls', ['Object', 'Instance', 'Rights (ssid: bits)', 'Owner'],
            config.acls.map((a) => el('tr', {},
                el('td', {class: 'num'}, a.object), el('td', {class: 'num'}, a.object_instance),
                el('td', {class: 'mono'}, Object.entries(a.rights).map(([k, v]) => `${k}: ${v}`).join(', ')),
                el('td', {class: 'num'}, a.owner))))] : null,
    el('details', {}, el('summary', {}, 'As JSON'),
       el('pre', {class: 'mono', id: 'config-json'}, JSON.stringify(config, null, 2))),
  ];
}

function select(id, values, empty = '') {
  return el('select', {id}, values.map((v) => el('option', {value: v}, v || empty)));
}

// A configuration to store: one LwM2M server account (and the bootstrap server's own) from a
// form, or the whole document as JSON. `config` (the stored one, masked) starts the JSON editor;
// without `name` the form asks for it. `saved(name, created)` follows a stored configuration.
function editor({name, config, saved, cancel}) {
  const f = {
    name: el('input', {id: 'cfg-name', autocomplete: 'off', placeholder: 'endpoint name, or *'}),
    version: select('cfg-version', VERSIONS, 'the device’s'),
    format: select('cfg-format', FORMATS, 'by the version'),
    uri: el('input', {id: 'cfg-uri', autocomplete: 'off', placeholder: 'coap://192.0.2.1:5683'}),
    mode: select('cfg-mode', MODES),
    identity: el('input', {id: 'cfg-identity', autocomplete: 'off'}),
    key: el('input', {id: 'cfg-key', type: 'password', autocomplete: 'new-password', pattern: '[0-9a-fA-F]*'}),
    serverKey: el('input', {id: 'cfg-server-key', autocomplete: 'off', pattern: '[0-9a-fA-F]*'}),
    lifetime: el('input', {id: 'cfg-lifetime', type: 'number', min: '1', value: '86400'}),
    binding: el('input', {id: 'cfg-binding', value: 'U', size: 4}),
    bootstrapUri: el('input', {id: 'cfg-bs-uri', autocomplete: 'off', placeholder: 'coap://192.0.2.1:5783'}),
  };
  const json = el('textarea', {id: 'cfg-json', rows: 18, spellcheck: 'false'},
                  config ? JSON.stringify(config, null, 2) : '');
  const identityField = field('Identity', f.identity);
  const keyField = field('Secret key (hex)', f.key, 'The server shows it masked from now on.');
  const serverKeyField = field('Server public key (hex)', f.serverKey);
  const showMode = () => {
    const m = f.mode.value;
    identityField.hidden = keyField.hidden = m === 'nosec';
    serverKeyField.hidden = m === 'nosec' || m === 'psk';
    identityField.firstChild.textContent = m === 'psk' ? 'PSK identity' : 'Identity (hex: the device’s certificate or public key)';
  };
  f.mode.addEventListener('change', showMode);
  showMode();

  const formPart = el('div', {id: 'cfg-form', class: 'stack'},
      el('div', {class: 'row'}, field('LwM2M version', f.version), field('Format', f.format)),
      el('div', {class: 'row'}, field('LwM2M server URI', f.uri), field('Security mode', f.mode)),
      el('div', {class: 'row'}, identityField, keyField, serverKeyField),
      el('div', {class: 'row'}, field('Lifetime (s)', f.lifetime), field('Binding', f.binding)),
      el('div', {class: 'row'}, field('Bootstrap server URI (optional)', f.bootstrapUri,
                                      'The bootstrap server’s own account on the device.')));
  const jsonPart = el('div', {id: 'cfg-json-part', class: 'stack'}, field('Configuration (JSON)', json,
      config ? 'Secret keys show as ********: give them again, a masked key is refused.'
             : 'As in docs/http-api.md, Bootstrap configurations.'));
  const error = el('p', {role: 'alert', class: 'error-text', id: 'config-error'});
  const tabs = ['Form', 'JSON'].map((label) => el('button', {type: 'button', 'data-tab': label.toLowerCase(),
                                                             onclick: () => use(label === 'JSON')}, label));
  let usingJson = false;
  function use(asJson) {
    // The form's account carries over to the editor, which holds everything.
    if (asJson && !usingJson && f.uri.value.trim()) json.value = JSON.stringify(fromForm(), null, 2);
    usingJson = asJson;
    formPart.hidden = asJson;
    jsonPart.hidden = !asJson;
    tabs.forEach((t, i) => t.setAttribute('aria-pressed', String((i === 1) === asJson)));
  }
  use(Boolean(config));

  function fromForm() {
    const m = f.mode.value;
    const security = {uri: f.uri.value.trim(), mode: m, ssid: 1};
    if (m !== 'nosec') {
      if (f.identity.value) security[m === 'psk' ? 'identity_text' : 'identity'] = f.identity.value;
      if (f.key.value) security.secret_key = f.key.value.trim();
      if (m !== 'psk' && f.serverKey.value) security.server_public_key = f.serverKey.value.trim();
    }
    const out = {};
    if (f.version.value) out.version = f.version.value;
    if (f.format.value) out.format = f.format.value;
    out.servers = [{security, server: {lifetime: Number(f.lifetime.value), binding: f.binding.value.trim() || 'U'}}];
    if (f.bootstrapUri.value.trim()) out.servers.push({security: {uri: f.bootstrapUri.value.trim(), bootstrap: true}});
    return out;
  }

  async function submit(e) {
    e.preventDefault();
    error.textContent = '';
    const target = name ?? f.name.value.trim();
    if (!target) {
      error.textContent = 'Give the endpoint name (or * for every other).';
      return;
    }
    let body;
    try {
      body = usingJson ? JSON.parse(json.value) : fromForm();
    } catch (err) {
      error.textContent = `Not JSON: ${err.message}`;
      return;
    }
    try {
      const {status} = await api(configPath(target), {method: 'PUT', body});
      announce(`Stored the configuration of ${target}`);
      saved(target, status === 201);
    } catch (err) {
      error.textContent = `Refused: ${refusal(err)}`;
    }
  }

  // The server checks the configuration and says why it refuses one: no checks of the browser's.
  return el('form', {class: 'form', id: 'config-editor', novalidate: true, onsubmit: submit},
      name === undefined ? field('Endpoint name', f.name, '* is the default of every endpoint without a configuration of its own.') : null,
      el('div', {class: 'ops', role: 'group', 'aria-label': 'Edit as'}, tabs),
      formPart, jsonPart, error,
      el('div', {class: 'row'}, el('button', {type: 'submit', class: 'primary'}, 'Save'),
         el('button', {type: 'button', onclick: cancel}, 'Cancel')));
}

// Server-initiated bootstrap: the bootstrap server sends its requests to the device's address.
function sessionCard(endpoint) {
  const ep = el('input', {id: 'session-endpoint', autocomplete: 'off', value: endpoint});
  const address = el('input', {id: 'session-address', autocomplete: 'off', placeholder: '192.0.2.7:5683'});
  const result = el('p', {role: 'status', id: 'session-result'});
  const start = async (e) => {
    e.preventDefault();
    result.className = 'muted';
    result.textContent = 'Starting…';
    try {
      const {body} = await api('/api/bootstrap/sessions',
                               {method: 'POST', body: {endpoint: ep.value.trim(), address: address.value.trim()}});
      result.className = '';
      result.textContent = `Session ${body.session} of ${body.endpoint} started: its steps follow in the events.`;
    } catch (err) {
      result.className = 'error-text';
      result.textContent = `Not started: ${refusal(err)}`;
    }
  };
  return el('section', {class: 'card', 'aria-labelledby': 'h-session'},
      el('h2', {id: 'h-session'}, 'Bootstrap a device'),
      el('p', {class: 'hint'}, 'The bootstrap server sends the device its configuration (or the default, *) ',
         'at the address where the device listens, without waiting for its Bootstrap-Request.'),
      el('form', {class: 'form', id: 'session-form', onsubmit: start},
         el('div', {class: 'row'}, field('Endpoint', ep), field('Device address', address),
            el('button', {type: 'submit', class: 'primary'}, 'Bootstrap'))),
      result);
}

// The bootstrap events (of one endpoint, or of every one with `endpoint` undefined or *), newest
// first; the stream's stop is pushed on `stops`.
function eventsCard(endpoint, onState, stops) {
  const list = el('ul', {id: 'bootstrap-events'});
  const empty = el('p', {class: 'muted'}, 'No bootstrap event since this page opened.');
  const query = new URLSearchParams({types: 'bootstrap'});
  if (endpoint !== undefined && endpoint !== '*') query.set('endpoint', endpoint);
  stops.push(eventStream(query.toString(), (type, e) => {
    if (type !== 'bootstrap') return;
    empty.remove();
    list.prepend(eventItem(e));
    while (list.children.length > EVENT_LIMIT) list.lastChild.remove();
  }, onState));
  return el('section', {class: 'card', 'aria-labelledby': 'h-events'},
      el('h2', {id: 'h-events'}, 'Events'), el('div', {class: 'log', 'aria-live': 'polite'}, empty, list));
}

function eventItem(e) {
  const code = (c) => el('span', {class: `badge ${c.startsWith('2.') ? 'ok' : 'error'}`}, c);
  const what = {
    started: () => `started by the ${e.server_initiated ? 'server' : 'device'} with ${e.peer} in ${e.format}`,
    step: () => [`${e.step} ${e.path} `, code(e.code)],
    finished: () => el('span', {class: 'badge ok'}, 'finished'),
    failed: () => [el('span', {class: 'badge error'}, 'failed'), ` at ${e.step} ${e.path} `,
                   e.code ? code(e.code) : null, ` ${e.reason}`],
    pack: () => `Bootstrap-Pack to ${e.peer} in ${e.format}`,
  }[e.event]?.() ?? e.event;
  return el('li', {'data-endpoint': e.endpoint, 'data-event': e.event},
      el('span', {class: 'muted'}, clock(), ' '), el('strong', {}, e.endpoint),
      e.session !== undefined ? el('span', {class: 'muted'}, ` #${e.session}`) : null, ' ', what);
}
