// The object definitions the server knows: a filterable list, and one object's resources.
import {api} from './api.js';
import {el, fill} from './ui.js';

export function title(id) {
  return id === undefined ? 'Models' : `Object ${id}`;
}

export function render(main, id) {
  if (id !== undefined) return object(main, id);
  const filter = el('input', {type: 'search', id: 'model-filter', placeholder: 'name or ID',
                              autocomplete: 'off'});
  const body = el('tbody');
  let models = [];
  const draw = () => {
    const f = filter.value.trim().toLowerCase();
    const shown = models.filter((m) => !f || m.name.toLowerCase().includes(f) || String(m.id) === f);
    fill(body, shown.map((m) => el('tr', {},
        el('td', {class: 'num'}, m.id),
        el('td', {}, el('a', {href: `#/models/${m.id}${''}`}, m.name)),
        el('td', {}, m.version), el('td', {}, m.lwm2m),
        el('td', {}, m.multiple ? 'multiple' : 'single'),
        el('td', {}, m.mandatory ? 'mandatory' : 'optional'))));
  };
  filter.addEventListener('input', draw);
  fill(main, el('h1', {}, 'Object models'),
       el('div', {class: 'card'},
          el('div', {class: 'toolbar'}, el('label', {class: 'field', for: 'model-filter'},
                                           el('span', {}, 'Filter'), filter)),
          el('div', {class: 'table-wrap'}, el('table', {},
             el('thead', {}, el('tr', {}, ['ID', 'Name', 'Version', 'LwM2M', 'Instances', 'Object']
                 .map((h) => el('th', {scope: 'col'}, h)))), body))));
  api('/api/models').then(({body: list}) => {
    models = list;
    draw();
  }).catch((e) => fill(body, el('tr', {}, el('td', {colspan: 6, class: 'error-text'}, e.message))));
  return null;
}

function object(main, id) {
  const card = el('div', {class: 'card'}, el('p', {class: 'muted'}, 'Loading…'));
  fill(main, el('p', {}, el('a', {href: '#/models'}, '← Models')), card);
  api(`/api/models/${id}`).then(({body: m}) => {
    fill(card,
         el('h1', {}, `${m.name} `, el('code', {}, `/${m.id}`)),
         el('p', {}, m.description),
         el('dl', {class: 'facts'},
            el('dt', {}, 'URN'), el('dd', {}, el('code', {}, m.urn)),
            el('dt', {}, 'Version'), el('dd', {}, `${m.version} (LwM2M ${m.lwm2m})`),
            el('dt', {}, 'Instances'), el('dd', {}, `${m.multiple ? 'multiple' : 'single'}, ${m.mandatory ? 'mandatory' : 'optional'}`)),
         el('h2', {}, 'Resources'),
         el('div', {class: 'table-wrap'}, el('table', {},
            el('thead', {}, el('tr', {}, ['ID', 'Name', 'Operations', 'Type', 'Range', 'Units', 'Instances', 'Description']
                .map((h) => el('th', {scope: 'col'}, h)))),
            el('tbody', {}, m.resources.map((r) => el('tr', {},
                el('td', {class: 'num'}, r.id), el('td', {}, r.name, r.mandatory ? ' *' : ''),
                el('td', {}, r.operations), el('td', {}, r.type), el('td', {}, r.range),
                el('td', {}, r.units), el('td', {}, r.multiple ? 'multiple' : 'single'),
                el('td', {class: 'muted'}, r.description))))))),
         el('p', {class: 'hint'}, '* mandatory');
  }).catch((e) => fill(card, el('p', {class: 'error-text'}, e.message)));
  return null;
}
