// The console's fleet page with a large fleet: `drover server` on loopback, `drover fleet --hold`
// registering N simulated clients with it, and headless Chromium timing the fleet page's first
// load, a search and the next page (medians of several runs, timed in the page from the event to
// the table redrawn), beside the API calls they make.
// Everything stops by itself (the server after --duration, the fleet after its hold).
//
//   DROVER_BIN=build/release/apps/drover DROVER_NODE_MODULES=build/release/console/npm/node_modules \
//     node bench/console/fleet.mjs 100000
import {spawn} from 'node:child_process';
import {launchBrowser, openPage, startDrover} from '../../tests/browser/harness.mjs';

const clients = Number(process.argv[2] || 100000);
const runs = 5;
// The fleet's endpoint names: bench-0000042.
const name = (i) => `bench-${String(i).padStart(7, '0')}`;
const many = 'bench-0005';  // 1,000 of 100,000 clients match
// Timed in the page, from the user's action (the event) to the table's last change: what a person
// waits for, without the driver's own overhead. `rows` is the time of the table's last redraw;
// `firstRows` that of the first one with a full page, from the start of the navigation.
function marks() {
  window.__marks = {};
  const mark = (name) => { window.__marks[name] = performance.now(); };
  document.addEventListener('input', () => mark('input'), true);
  document.addEventListener('click', () => mark('click'), true);
  const watch = () => {
    const body = document.querySelector('#fleet tbody');
    if (!body) return requestAnimationFrame(watch);
    new MutationObserver(() => {
      mark('rows');
      if (body.children.length === 50) window.__marks.firstRows ??= performance.now();
    }).observe(body, {childList: true});
  };
  watch();
}
const since = (page, event) => page.evaluate((e) => window.__marks.rows - window.__marks[e], event);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const server = await startDrover(['server', '--store', 'memory', '--address', '127.0.0.1', '--coap-port', '0', '--http-port', '0',
                                  '--duration', '600']);
const fleet = spawn(process.env.DROVER_BIN, ['fleet', '--server', `coap://${server.coap}`, '--prefix', 'bench-',
                                             '--clients', String(clients), '--hold', '300', '--deregister'],
                    {stdio: ['ignore', 'pipe', 'inherit']});
await new Promise((resolve, reject) => {
  let out = '';
  fleet.stdout.on('data', (d) => {
    out += d;
    if (/register: \d+ of/.test(out)) {
      process.stdout.write(out);
      resolve();
    }
  });
  fleet.on('exit', () => reject(new Error(`the fleet stopped: ${out}`)));
});

const {browser, close} = await launchBrowser();
try {
  const api = async (path) => {
    const t = performance.now();
    const r = await fetch(server.url + path);
    await r.text();
    return performance.now() - t;
  };
  const figures = {load: [], search: [], searchMany: [], next: [], apiPage: [], apiSearch: [], apiSearchMany: []};
  for (let i = 0; i < runs; ++i) {
    figures.apiPage.push(await api('/api/clients?limit=50'));
    figures.apiSearch.push(await api(`/api/clients?limit=50&prefix=${name(clients - 1 - i)}`));
    figures.apiSearchMany.push(await api(`/api/clients?limit=50&prefix=${many}`));

    const {page, errors} = await openPage(browser, 'about:blank');
    await page.addInitScript(marks);
    await page.goto(`${server.url}/`);
    await page.waitForFunction((n) => document.querySelectorAll('#fleet tbody tr[data-endpoint]').length === 50 &&
                               document.querySelector('.pager')?.textContent.includes(n), clients.toLocaleString('en-US'));
    figures.load.push(await page.evaluate(() => window.__marks.firstRows));
    await page.waitForTimeout(1500);  // the first load settles (the live stream's opening reloads)

    await page.click('.pager button:nth-child(2)');
    await page.waitForFunction(() => document.querySelector('.pager span')?.textContent.startsWith('51–100'));
    figures.next.push(await since(page, 'click'));

    const one = name(clients - 1 - i);
    await page.fill('#fleet-search', one);  // the page waits 250 ms after the last key first
    await page.waitForFunction((e) => {
      const rows = document.querySelectorAll('#fleet tbody tr[data-endpoint]');
      return rows.length === 1 && rows[0].dataset.endpoint === e;
    }, one);
    figures.search.push(await since(page, 'input'));

    await page.fill('#fleet-search', many);
    await page.waitForFunction((m) => document.querySelectorAll('#fleet tbody tr[data-endpoint]').length === 50 &&
                               document.querySelector('#fleet tbody tr a')?.textContent.startsWith(m), many);
    figures.searchMany.push(await since(page, 'input'));
    if (errors.length) throw new Error(errors.join('\n'));
    await page.close();
  }
  const ms = (xs) => `${Math.round(median(xs))} ms`;
  console.log(`fleet of ${clients.toLocaleString('en-US')} registered clients, medians of ${runs} runs:`);
  console.log(`  page load to 50 rows shown        ${ms(figures.load)}   (GET /api/clients?limit=50: ${ms(figures.apiPage)})`);
  console.log(`  next page                         ${ms(figures.next)}`);
  console.log(`  search for one endpoint           ${ms(figures.search)}   (250 ms of it the typing pause; API: ${ms(figures.apiSearch)})`);
  console.log(`  search matching many (${many})  ${ms(figures.searchMany)}   (API: ${ms(figures.apiSearchMany)})`);
} finally {
  await close();
  fleet.kill('SIGTERM');
  await server.stop();
}
