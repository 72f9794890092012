// The console in a real browser (Debian's Chromium, headless) against a running `drover demo`:
// the fleet lists the devices, a device's page reads, writes and observes, shows the CoAP
// message log, a device that leaves disappears from the fleet; the token form of a server that
// needs one; labels, dark mode and a narrow screen. Bounded: each step waits 10 s at most.
import assert from 'node:assert/strict';
import {writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {after, before, describe, test} from 'node:test';

import {launchBrowser, openPage, startDrover} from './harness.mjs';

let demo;
let browser;
let closeBrowser;

before(async () => {
  demo = await startDrover(['demo', '--coap-port', '0', '--http-port', '0', '--bootstrap-port', '0', '--devices', '3',
                            '--sample-interval', '0.3', '--send-interval', '0']);
  ({browser, close: closeBrowser} = await launchBrowser());
});

after(async () => {
  await closeBrowser?.();
  await demo?.stop();
});

const cell = (p) => `.value[data-path="${p}"]`;

async function devicePage(endpoint = 'demo-0') {
  const opened = await openPage(browser, `${demo.url}/#/devices/${endpoint}`);
  await opened.page.waitForSelector('.resource[data-path="/3/0/0"]');
  return opened;
}

// Opens the object's node in the tree (only the Device object is open at first).
async function expand(page, objectPath) {
  await page.$eval(`details[data-path="${objectPath}"]`, (d) => { d.open = true; });
}

describe('the console of drover demo', () => {
  test('the fleet lists the devices', async () => {
    const {page, errors} = await openPage(browser, `${demo.url}/`);
    await page.waitForSelector('#fleet tbody tr[data-endpoint="demo-2"]');
    await page.waitForSelector('#fleet tbody tr[data-endpoint="demo-bs"]');  // registers once bootstrapped
    const endpoints = await page.$$eval('#fleet tbody tr[data-endpoint]', (rows) => rows.map((r) => r.dataset.endpoint));
    assert.deepEqual(endpoints, ['demo-0', 'demo-1', 'demo-2', 'demo-bs']);
    await page.fill('#fleet-search', 'demo-1');
    await page.waitForFunction(() => document.querySelectorAll('#fleet tbody tr[data-endpoint]').length === 1);
    assert.equal(await page.textContent('#fleet tbody tr[data-endpoint] a'), 'demo-1');
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('a device page reads /3/0 and shows the manufacturer', async () => {
    const {page, errors} = await devicePage();
    assert.equal(await page.textContent(cell('/3/0/0')), '');
    await page.click('details[data-path="/3/0"] > summary button[data-op="read"]');
    await page.waitForFunction((sel) => document.querySelector(sel)?.textContent === 'Drover', cell('/3/0/0'));
    assert.match(await page.textContent('#operations'), /Read \/3\/0\s.*2\.05/);
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('a write then a read shows the new value', async () => {
    const {page, errors} = await devicePage();
    const row = '.resource[data-path="/3/0/14"]';
    await page.click(`${row} button[data-op="write"]`);
    await page.fill(`${row} form input`, '+02:00');
    await page.click(`${row} form button.primary`);
    await page.waitForFunction(() => /Write \/3\/0\/14 = \+02:00\s.*2\.04/.test(document.querySelector('#operations').textContent));
    assert.equal(await page.textContent(cell('/3/0/14')), '', 'a write alone shows no value');
    await page.click(`${row} button[data-op="read"]`);
    await page.waitForFunction((sel) => document.querySelector(sel)?.textContent === '+02:00', cell('/3/0/14'));
    // A typed input refuses what the model does not allow: the battery level is 0..100.
    await page.click('.resource[data-path="/3/0/9"] button[data-op="read"]');
    assert.equal(await page.$('.resource[data-path="/3/0/9"] button[data-op="write"]'), null, 'read-only');
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('composite read, discover, execute, create and delete from the tree', async () => {
    const {page, errors} = await devicePage('demo-2');
    const ops = () => page.textContent('#operations');
    const done = (pattern) => page.waitForFunction((p) => new RegExp(p).test(document.querySelector('#operations').textContent), pattern.source);
    for (const p of ['/3/0/0', '/3/0/2'])
      await page.check(`.resource[data-path="${p}"] input[type="checkbox"]`);
    await page.click('text=Read ticked');
    await done(/Read-Composite \/3\/0\/0 \/3\/0\/2\s.*2\.05/);
    assert.equal(await page.textContent(cell('/3/0/2')), 'demo-2');
    await page.click('details[data-path="/3/0"] > summary button[data-op="discover"]');
    // Its own code, not the Read-Composite's 2.05 further down the log (newest first).
    await done(/Discover \/3\/0 2\.05/);
    assert.match(await ops(), /<\/3\/0\/0>/);
    await page.click('.resource[data-path="/3/0/12"] button[data-op="execute"]');
    await page.click('.resource[data-path="/3/0/12"] form button.primary');
    await done(/Execute \/3\/0\/12\s.*2\.04/);
    await expand(page, '/3311');
    await page.click('details[data-path="/3311"] > summary button[data-op="create"]');
    await page.check('#create-3311-5850-on');
    await page.selectOption('#create-3311-5850', 'true');
    await page.click('details[data-path="/3311"] form button.primary');
    await done(/Create \/3311\/1\s.*2\.01/);
    await page.waitForSelector('details[data-path="/3311/1"]');
    page.once('dialog', (d) => d.accept());
    await page.click('details[data-path="/3311/1"] > summary button[data-op="delete"]');
    await done(/Delete \/3311\/1\s.*2\.02/);
    await page.waitForSelector('details[data-path="/3311/1"]', {state: 'detached'});
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('write-attributes, and a composite observation with live values', async () => {
    const {page, errors} = await devicePage('demo-0');
    const done = (pattern) => page.waitForFunction((p) => new RegExp(p).test(document.querySelector('#operations').textContent), pattern.source);
    await expand(page, '/3303');
    const row = '.resource[data-path="/3303/0/5700"]';
    await page.click(`${row} button[data-op="attributes"]`);
    await page.fill('[id="attr-/3303/0/5700-pmin"]', '1');
    await page.fill('[id="attr-/3303/0/5700-pmax"]', '5');
    await page.click(`${row} form button.primary`);
    await done(/Write-Attributes \/3303\/0\/5700\?pmin=1&pmax=5\s.*2\.04/);
    await page.check(`${row} input[type="checkbox"]`);
    await page.check('.resource[data-path="/3/0/9"] input[type="checkbox"]');
    await page.click('#composite-observe');
    await done(/Observe-Composite \/3303\/0\/5700 \/3\/0\/9\s.*2\.05/);
    const first = await page.textContent(cell('/3303/0/5700'));
    await page.waitForFunction(([sel, was]) => document.querySelector(sel)?.textContent !== was,
                               [cell('/3303/0/5700'), first]);
    await page.click('#composite-observe');
    await done(/Cancel Observe-Composite\s.*200/);
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('an observation shows live values arriving and plots them', async () => {
    const {page, errors} = await devicePage('demo-1');
    await expand(page, '/3303');
    const row = '.resource[data-path="/3303/0/5700"]';
    await page.click(`${row} button[data-op="plot"]`);
    await page.click(`${row} button[data-op="observe"]`);
    await page.waitForFunction((sel) => document.querySelector(sel)?.textContent === 'Cancel', `${row} button[data-op="observe"]`);
    const seen = new Set();
    for (let i = 0; i < 40 && seen.size < 3; ++i) {
      seen.add(await page.textContent(cell('/3303/0/5700')));
      await page.waitForTimeout(250);
    }
    assert.ok(seen.size >= 3, `values seen: ${[...seen]}`);
    const points = await page.$eval('drover-plot', (p) => p.times.length);
    assert.ok(points >= 3, `${points} points plotted`);
    await page.click(`${row} button[data-op="observe"]`);
    await page.waitForFunction((sel) => document.querySelector(sel)?.textContent === 'Observe', `${row} button[data-op="observe"]`);
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('the message log shows the datagrams both ways', async () => {
    const {page, errors} = await devicePage('demo-2');
    await page.click('#coap-toggle');
    await page.waitForTimeout(300);  // the stream is open before the read
    await page.click('.resource[data-path="/3/0/0"] button[data-op="read"]');
    await page.waitForSelector('#coap-log li[data-direction="out"]');
    await page.waitForSelector('#coap-log li[data-direction="in"]');
    const out = await page.textContent('#coap-log li[data-direction="out"]');
    assert.match(out, /CON GET mid \d+/);
    assert.match(out, /Uri-Path: 3, Uri-Path: 0, Uri-Path: 0/);
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('a device that leaves disappears from the fleet', async () => {
    const {page, errors} = await openPage(browser, `${demo.url}/`);
    await page.waitForSelector('#fleet tbody tr[data-endpoint="demo-0"]');
    const client = await startDeviceFor(6);
    try {
      await page.waitForSelector('#fleet tbody tr[data-endpoint="leaver"]');
      await page.waitForSelector('#fleet tbody tr[data-endpoint="leaver"]', {state: 'detached', timeout: 15000});
      assert.equal(await page.$$eval('#fleet tbody tr[data-endpoint]', (r) => r.length), 4);
    } finally {
      client.kill('SIGKILL');
    }
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('the server page shows the metrics and how the store writes', async () => {
    const {page, errors} = await openPage(browser, `${demo.url}/#/server`);
    await page.waitForFunction(() => /^\d+$/.test(document.getElementById('m-registrations')?.textContent));
    assert.ok(Number(await page.textContent('#m-registrations')) >= 3);
    await page.waitForFunction(() => /Changes written\s*[1-9]/.test(document.getElementById('store-table')?.textContent));
    assert.match(await page.textContent('#store-table'), /Changes dropped\s*0/);
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('every form field has a label; dark mode and a narrow screen', async () => {
    const {page, errors} = await openPage(browser, `${demo.url}/#/devices/demo-0`,
                                          {colorScheme: 'dark', viewport: {width: 390, height: 800}});
    await page.waitForSelector('.resource[data-path="/3/0/14"]');
    await page.click('.resource[data-path="/3/0/14"] button[data-op="write"]');
    const unlabelled = await page.$$eval('input, select, textarea', (fields) => fields
        .filter((f) => !f.labels?.length && !f.getAttribute('aria-label'))
        .map((f) => f.outerHTML));
    assert.deepEqual(unlabelled, []);
    const look = await page.evaluate(() => ({
      background: getComputedStyle(document.documentElement).backgroundColor,
      overflow: document.documentElement.scrollWidth - innerWidth,
    }));
    assert.equal(look.background, 'rgb(15, 20, 25)', 'the dark background');
    assert.ok(look.overflow <= 0, `the page is ${look.overflow} px wider than the screen`);
    assert.deepEqual(errors, []);
    await page.close();
  });
});

// `drover client` registering "leaver" with the demo and de-registering after `seconds`.
async function startDeviceFor(seconds) {
  const {spawn} = await import('node:child_process');
  return spawn(process.env.DROVER_BIN, ['client', '--endpoint', 'leaver', '--server', `coap://${demo.coap}`,
                                        '--duration', String(seconds)], {stdio: 'ignore'});
}

describe('a server that needs a token', () => {
  test('the console asks for the token, then shows the fleet', async () => {
    const file = path.join(tmpdir(), `drover-token-${process.pid}`);
    const token = 'browser-test-token-0123456789';
    writeFileSync(file, `${token}\n`);
    const server = await startDrover(['server', '--store', 'memory', '--address', '127.0.0.1', '--coap-port', '0', '--http-port', '0',
                                      '--api-token-file', file, '--duration', '60']);
    try {
      const {page, errors} = await openPage(browser, `${server.url}/`);
      await page.waitForSelector('#token-form');
      await page.fill('#token', 'wrong-token-of-enough-length');
      await page.click('#token-form button');
      await page.waitForSelector('#token-form');
      await page.fill('#token', token);
      await page.click('#token-form button');
      await page.waitForSelector('#fleet');
      await page.waitForFunction(() => document.querySelector('#fleet tbody')?.textContent.includes('No device'));
      // The refused requests show as console errors (401): those are expected.
      assert.ok(errors.every((e) => /401/.test(e)), errors.join('\n'));
      await page.close();
    } finally {
      await server.stop();
    }
  });
});

describe('a server on two shards', () => {
  test('the fleet lists the devices of both shards and a device page reads one', async () => {
    const server = await startDrover(['server', '--store', 'memory', '--address', '127.0.0.1', '--coap-port', '0', '--http-port', '0',
                                      '--shards', '2', '--duration', '60']);
    const {spawn} = await import('node:child_process');
    const clients = spawn(process.env.DROVER_BIN, ['client', '--endpoint', 'sharded', '--count', '6',
                                                   '--server', `coap://${server.coap}`, '--duration', '50'],
                          {stdio: 'ignore'});
    try {
      const {page, errors} = await openPage(browser, `${server.url}/`);
      await page.waitForFunction(() => document.querySelectorAll('#fleet tbody tr[data-endpoint]').length === 6);
      await page.click('#fleet a[href="#/devices/sharded-5"]');
      await page.waitForSelector('.resource[data-path="/3/0/2"]');
      await page.click('.resource[data-path="/3/0/2"] button[data-op="read"]');
      await page.waitForFunction((sel) => document.querySelector(sel)?.textContent === 'sharded-5', cell('/3/0/2'));
      assert.deepEqual(errors, []);
      await page.close();
    } finally {
      clients.kill('SIGKILL');
      await server.stop();
    }
  });
});

describe('the fleet of a larger demo', () => {
  let many;
  before(async () => {
    many = await startDrover(['demo', '--coap-port', '0', '--http-port', '0', '--bootstrap-port', '0', '--devices', '120',
                              '--sample-interval', '5', '--send-interval', '0']);
  });
  after(async () => {
    await many?.stop();
  });

  test('pages through the devices by the server\'s cursor', async () => {
    const {page, errors} = await openPage(browser, `${many.url}/`);
    const shown = () => page.$$eval('#fleet tbody tr[data-endpoint]', (rows) => rows.map((r) => r.dataset.endpoint));
    const summary = () => page.textContent('.pager span');
    await page.waitForFunction(() => document.querySelectorAll('#fleet tbody tr[data-endpoint]').length === 50);
    // 120 devices and demo-bs, which registers once bootstrapped.
    await page.waitForFunction(() => /of 121/.test(document.querySelector('.pager span').textContent));
    const first = await shown();
    assert.equal(first[0], 'demo-0');
    assert.match(await summary(), /^1–50 of 121/);
    await page.click('text=Next →');
    await page.waitForFunction((was) => document.querySelector('#fleet tbody tr[data-endpoint]')?.dataset.endpoint !== was, first[0]);
    const second = await shown();
    assert.equal(second.length, 50);
    assert.ok(second[0] > first[49], `${second[0]} follows ${first[49]}`);
    assert.match(await summary(), /^51–100 of 121/);
    await page.click('text=Next →');
    await page.waitForFunction(() => document.querySelectorAll('#fleet tbody tr[data-endpoint]').length === 21);
    assert.ok(await page.isDisabled('text=Next →'));
    await page.click('text=← Previous');
    await page.waitForFunction((want) => document.querySelector('#fleet tbody tr[data-endpoint]')?.dataset.endpoint === want, second[0]);
    assert.deepEqual(await shown(), second);
    assert.deepEqual(errors, []);
    await page.close();
  });
});
