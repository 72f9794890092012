// Values as the API writes them, and form inputs typed by a resource's model: the input checks
// the value against the model's type and range before anything is sent.
import {el} from './ui.js';

// "0..100", "-40..85.5", "1..65535": {min, max}; anything else: null (not checked).
export function parseRange(range) {
  const m = /^\s*(-?[\d.]+(?:[eE][+-]?\d+)?)\s*\.\.\s*(-?[\d.]+(?:[eE][+-]?\d+)?)\s*$/.exec(range || '');
  return m ? {min: Number(m[1]), max: Number(m[2])} : null;
}

export const NUMERIC = new Set(['Integer', 'Unsigned Integer', 'Float', 'Time']);

// An input for a value of `resource` (a model resource: type, range, units).
export function valueInput(resource, id) {
  const range = parseRange(resource.range);
  const common = {id, name: id, required: true};
  switch (resource.type) {
    case 'Boolean':
      return el('select', common, el('option', {value: 'true'}, 'true'),
                el('option', {value: 'false'}, 'false'));
    case 'Integer':
    case 'Unsigned Integer':
    case 'Time':
    case 'Float':
      return el('input', {...common, type: 'number', inputmode: 'decimal',
                          step: resource.type === 'Float' ? 'any' : '1',
                          min: range ? range.min : resource.type === 'Unsigned Integer' ? 0 : null,
                          max: range ? range.max : null});
    case 'Opaque':
      return el('input', {...common, type: 'text', pattern: '[A-Za-z0-9+/]*={0,2}',
                          title: 'base64', spellcheck: false});
    case 'Objlnk':
      return el('input', {...common, type: 'text', pattern: '\\d{1,5}:\\d{1,5}',
                          title: 'object:instance, e.g. 3:0', placeholder: '3:0'});
    default:
      return el('input', {...common, type: 'text', required: false});
  }
}

// The JSON value of an input for `resource`, after checking it; throws with the reason.
export function valueOf(resource, input) {
  if (!input.checkValidity()) throw new Error(input.validationMessage || 'not a valid value');
  const text = input.value;
  switch (resource.type) {
    case 'Boolean':
      return text === 'true';
    case 'Integer':
    case 'Unsigned Integer':
    case 'Time':
    case 'Float': {
      if (text.trim() === '') throw new Error('a number is needed');
      const n = Number(text);
      if (!Number.isFinite(n)) throw new Error('not a number');
      if (resource.type !== 'Float' && !Number.isInteger(n)) throw new Error('not an integer');
      return n;
    }
    default:
      return text;
  }
}

// How a value of the API shows: opaque values as their base64, times also as a date, others as
// they are.
export function show(value, type) {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  if (type === 'time' && Number.isFinite(value))
    return `${value} (${new Date(value * 1000).toISOString().replace('.000Z', 'Z')})`;
  return String(value);
}
