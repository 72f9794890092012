// The DTLS credentials by endpoint (/api/security, paged as the API pages them): add an
// endpoint's PSK (identity and hex key), raw public key or X.509 subject or subjectAltName, and
// delete them. A key is never shown: the server never answers one (only whether a PSK has it),
// and the key field is emptied once the server has it.
import {api, encode} from './api.js';
import {announce, el, field, fill, namePages, refusal, statusLine} from './ui.js';

export function title() {
  return 'Security';
}

function credential(c) {
  switch (c.type) {
    case 'psk': return `PSK identity ${c.identity}${c.key_set ? ' (key set)' : ''}`;
    case 'rpk': return `raw public key ${c.key_name}`;
    case 'x509': return c.san !== undefined ? `X.509 subjectAltName ${c.san}` : `X.509 subject ${c.subject}`;
    default: return c.type;
  }
}

export function render(main) {
  const {node: status, say} = statusLine('security-status');
  const error = el('p', {role: 'alert', class: 'error-text', id: 'security-error'});
  const pager = namePages({
    path: '/api/security', key: 'entries', id: 'credentials', caption: 'DTLS credentials by endpoint',
    heads: ['Endpoint', 'Credentials', 'Source', ''], empty: 'No endpoint has credentials.', row,
    absent: () => fill(main, el('h1', {}, 'Security'),
                       el('div', {class: 'card', id: 'security-absent', role: 'alert'},
                          el('p', {}, 'This server does not manage DTLS credentials here: with ',
                             el('code', {}, '--shards'), ' they come from its command line and ',
                             'data folder; ', el('code', {}, 'drover server'),
                             ' on one event loop manages them.'))),
  });

  function row(entry) {
    return el('tr', {'data-endpoint': entry.endpoint},
        el('td', {}, entry.endpoint),
        el('td', {}, entry.credentials.map((c) => el('div', {class: 'mono'}, credential(c)))),
        el('td', {}, entry.source),
        el('td', {}, el('button', {type: 'button', class: 'small', onclick: () => remove(entry.endpoint)}, 'Delete')));
  }

  async function remove(endpoint) {
    if (!confirm(`Delete the credentials of ${endpoint}? It can no longer come through DTLS with them.`)) return;
    try {
      await api(`/api/security/${encode(endpoint)}`, {method: 'DELETE'});
      say(`Deleted the credentials of ${endpoint}.`);
      announce(`Deleted the credentials of ${endpoint}`);
      pager.reload();
    } catch (e) {
      say(`Not deleted: ${refusal(e)}`, false);
    }
  }

  // The form: one credential of the type chosen.
  const f = {
    endpoint: el('input', {id: 'sec-endpoint', autocomplete: 'off'}),
    type: el('select', {id: 'sec-type'}, [['psk', 'PSK'], ['rpk', 'Raw public key'], ['x509', 'X.509 certificate']]
        .map(([value, label]) => el('option', {value}, label))),
    identity: el('input', {id: 'sec-identity', autocomplete: 'off'}),
    key: el('input', {id: 'sec-key', type: 'password', autocomplete: 'new-password', pattern: '[0-9a-fA-F]+'}),
    publicKey: el('textarea', {id: 'sec-public-key', rows: 5, spellcheck: 'false',
                               placeholder: '-----BEGIN PUBLIC KEY-----\n…\n-----END PUBLIC KEY-----'}),
    x509: el('select', {id: 'sec-x509-kind'}, el('option', {value: 'subject'}, 'Subject'),
             el('option', {value: 'san'}, 'subjectAltName (DNS name or URI)')),
    name: el('input', {id: 'sec-x509-name', autocomplete: 'off', placeholder: 'CN=dev1'}),
  };
  const parts = {
    psk: el('div', {class: 'row'}, field('PSK identity', f.identity),
            field('Key (hex)', f.key, 'Never shown again.')),
    rpk: field('The device’s public key (PEM), or its key name (sha256:…)', f.publicKey),
    x509: el('div', {class: 'row'}, field('Certificate', f.x509), field('Name', f.name)),
  };
  const showType = () => {
    for (const [type, part] of Object.entries(parts)) part.hidden = type !== f.type.value;
  };
  f.type.addEventListener('change', showType);
  f.x509.addEventListener('change', () => {
    f.name.placeholder = f.x509.value === 'san' ? 'dev1.example.com' : 'CN=dev1';
  });
  showType();

  function fromForm() {
    switch (f.type.value) {
      case 'psk': return {type: 'psk', identity: f.identity.value, key: f.key.value.trim()};
      case 'rpk': {
        const key = f.publicKey.value.trim();
        return key.startsWith('sha256:') ? {type: 'rpk', key_name: key} : {type: 'rpk', public_key: key};
      }
      default: return {type: 'x509', [f.x509.value]: f.name.value.trim()};
    }
  }

  const form = el('form', {class: 'form', id: 'security-form', novalidate: true, onsubmit: async (e) => {
    e.preventDefault();
    error.textContent = '';
    const endpoint = f.endpoint.value.trim();
    if (!endpoint) {
      error.textContent = 'Give the endpoint name.';
      return;
    }
    try {
      const {status: code} = await api(`/api/security/${encode(endpoint)}`,
                                       {method: 'PUT', body: {credentials: [fromForm()]}});
      f.key.value = '';
      f.identity.value = '';
      f.publicKey.value = '';
      f.name.value = '';
      say(`${code === 201 ? 'Added' : 'Replaced'} the credentials of ${endpoint}.`);
      announce(`Stored the credentials of ${endpoint}`);
      pager.reload();
    } catch (err) {
      error.textContent = `Refused: ${refusal(err)}`;
    }
  }},
      el('div', {class: 'row'}, field('Endpoint', f.endpoint), field('Type', f.type)),
      parts.psk, parts.rpk, parts.x509,
      el('p', {class: 'hint'}, 'The endpoint may then come through DTLS with this credential, from its next ',
         'handshake, and register only as itself. It replaces the credentials the endpoint had.'),
      error,
      el('div', {class: 'row'}, el('button', {type: 'submit', class: 'primary'}, 'Save')));

  fill(main, el('h1', {}, 'Security'),
       el('div', {class: 'columns'},
          el('section', {class: 'card', 'aria-labelledby': 'h-credentials'},
             el('h2', {id: 'h-credentials'}, 'Credentials'), status, pager.node),
          el('section', {class: 'card', 'aria-labelledby': 'h-add'},
             el('h2', {id: 'h-add'}, 'Add credentials'), form)));
  pager.reload();
  return null;
}
