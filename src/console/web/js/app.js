// The console's shell: the pages by their address (#/..., so the server serves one file), the
// navigation, and the token form when the server asks for one. A page is a module exporting
// `title` and `render(main, params)`, which draws the page and returns a function that stops
// what it started (streams, timers). Adding a page is one more module and one line below.
import {onTokenNeeded, setToken, token} from './api.js';
import {el, fill} from './ui.js';

const pages = [
  {path: /^\/$/, nav: 'Fleet', href: '#/', module: () => import('./fleet.js')},
  {path: /^\/devices\/(.+)$/, module: () => import('./device.js')},
  {path: /^\/models(?:\/(\d+))?$/, nav: 'Models', href: '#/models', module: () => import('./models.js')},
  {path: /^\/bootstrap(?:\/(.+))?$/, nav: 'Bootstrap', href: '#/bootstrap', module: () => import('./bootstrap.js')},
  {path: /^\/security$/, nav: 'Security', href: '#/security', module: () => import('./security.js')},
  {path: /^\/server$/, nav: 'Server', href: '#/server', module: () => import('./server.js')},
];

const main = document.getElementById('main');
let stop = null;

function drawNav(current) {
  const nav = document.getElementById('nav');
  fill(nav, pages.filter((p) => p.nav).map((p) => el('li', {},
      el('a', {href: p.href, 'aria-current': p === current ? 'page' : null}, p.nav))));
}

async function route() {
  const path = decodeURI(location.hash.replace(/^#/, '').split('?')[0] || '/');
  if (stop) stop();
  stop = null;
  const page = pages.find((p) => p.path.test(path));
  drawNav(page);
  if (!page) {
    fill(main, el('h1', {}, 'Not found'), el('p', {}, el('a', {href: '#/'}, 'Back to the fleet')));
    return;
  }
  const params = path.match(page.path).slice(1).map((p) => p && decodeURIComponent(p));
  const module = await page.module();
  document.title = `${module.title(...params)} · Drover`;
  fill(main);
  stop = module.render(main, ...params) || null;
  main.focus({preventScroll: true});
}

function askToken() {
  if (document.getElementById('token-form')) return;
  if (stop) stop();
  stop = null;
  const input = el('input', {type: 'password', id: 'token', autocomplete: 'current-password',
                             required: true, minlength: 16});
  const form = el('form', {id: 'token-form', class: 'card narrow',
                           onsubmit: (e) => {
                             e.preventDefault();
                             setToken(input.value.trim());
                             route();
                           }},
      el('h1', {}, 'This server needs its API token'),
      el('p', {}, token() ? 'The token given was refused. ' : '',
         'Enter the token of the server (the file given to --api-token-file). It is kept in ',
         'this tab only.'),
      el('label', {for: 'token'}, 'API token'), input,
      el('button', {type: 'submit', class: 'primary'}, 'Open the console'));
  fill(main, form);
  input.focus();
}

onTokenNeeded(askToken);
addEventListener('hashchange', route);
route();
