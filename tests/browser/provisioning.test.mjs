// The console's Bootstrap and Security pages in a real browser (Debian's Chromium, headless)
// against `drover server --bootstrap-port`: configurations made from the form and as JSON, listed,
// shown with their secrets masked and deleted, a refused one with the server's reason; a device
// (`drover client --bootstrap`) bootstrapping while the page shows its session's events, and a
// server-initiated bootstrap started from the page; credentials of the three kinds added and
// deleted, their keys never in the page; both listings paged by the server; and the pages of a
// server without the bootstrap role or the credentials (--shards). Loopback only; each step
// waits 10 s at most.
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {generateKeyPairSync} from 'node:crypto';
import {after, before, describe, test} from 'node:test';

import {drover, launchBrowser, openPage, startDrover} from './harness.mjs';

const KEY = '00112233445566778899aabbccddeeff';

let server;
let bootstrapAddress;
let browser;
let closeBrowser;

function startServer(extra = []) {
  return startDrover(['server', '--store', 'memory', '--address', '127.0.0.1', '--coap-port', '0',
                      '--http-port', '0', '--duration', '150', ...extra]);
}

before(async () => {
  server = await startServer(['--bootstrap-port', '0']);
  bootstrapAddress = /bootstrap server listening on coap:\/\/(127\.0\.0\.1:\d+)/.exec(server.log())[1];
  ({browser, close: closeBrowser} = await launchBrowser());
});

after(async () => {
  await closeBrowser?.();
  await server?.stop();
});

// The errors of a page but those of requests the server refused with one of `statuses` (the
// browser reports each as a console error).
const unexpected = (errors, ...statuses) =>
  errors.filter((e) => !statuses.some((s) => e.includes(`status of ${s}`)));

// PUT through the API, as a script would.
async function put(base, path, body) {
  const response = await fetch(`${base}${path}`, {method: 'PUT', body: JSON.stringify(body),
                                                  headers: {'Content-Type': 'application/json'}});
  assert.ok(response.ok, `PUT ${path}: ${response.status} ${await response.text()}`);
}

// No key in the page: neither in its markup and text nor in any field's value.
async function assertNoKey(page, key) {
  const found = await page.evaluate((k) => {
    const fields = [...document.querySelectorAll('input, textarea')].map((f) => f.value);
    return [document.documentElement.outerHTML, ...fields].filter((t) => t.toLowerCase().includes(k));
  }, key.toLowerCase());
  assert.deepEqual(found, []);
}

async function assertLabelled(page) {
  const unlabelled = await page.$$eval('input, select, textarea', (fields) => fields
      .filter((f) => !f.labels?.length && !f.getAttribute('aria-label'))
      .map((f) => f.outerHTML));
  assert.deepEqual(unlabelled, []);
}

describe('the bootstrap page', () => {
  test('a configuration from the form is listed, shown masked, replaced as JSON and deleted', async () => {
    const {page, errors} = await openPage(browser, `${server.url}/#/bootstrap`);
    await page.waitForFunction(() => /No configuration/.test(document.querySelector('#configs tbody')?.textContent));
    await page.click('#config-new');
    await assertLabelled(page);
    await page.fill('#cfg-name', 'form-dev');
    await page.fill('#cfg-uri', `coap://${server.coap}`);
    await page.fill('#cfg-lifetime', '300');
    await page.click('#config-editor button[type="submit"]');
    await page.waitForSelector('#configs tr[data-name="form-dev"]');
    assert.match(await page.textContent('#configs-status'), /Created the configuration of form-dev/);
    assert.match(await page.textContent('#configs tr[data-name="form-dev"]'), new RegExp(`coap://${server.coap} \\(nosec\\)`));

    // A PSK account: the key goes to the server and comes back masked.
    await page.click('#config-new');
    await page.fill('#cfg-name', 'psk-dev');
    await page.fill('#cfg-uri', 'coaps://127.0.0.1:5684');
    await page.selectOption('#cfg-mode', 'psk');
    await page.fill('#cfg-identity', 'psk-dev-id');
    await page.fill('#cfg-key', KEY);
    await page.fill('#cfg-bs-uri', `coap://${bootstrapAddress}`);
    await page.click('#config-editor button[type="submit"]');
    await page.waitForSelector('#configs tr[data-name="psk-dev"]');
    await page.click('#configs tr[data-name="psk-dev"] a');
    await page.waitForSelector('#config-accounts');
    const accounts = await page.textContent('#config-accounts');
    assert.match(accounts, /psk-dev-id/);
    assert.match(accounts, /\*{8}/);
    assert.match(accounts, /bootstrap server/);
    await assertNoKey(page, KEY);

    // Replaced as JSON: the masked key put back is refused, a new one is taken.
    await page.click('#config-edit');
    const json = await page.inputValue('#cfg-json');
    assert.match(json, /"secret_key": "\*{8}"/);
    await page.click('#config-editor button[type="submit"]');
    await page.waitForFunction(() => /Refused: .*\(bad_config\)/.test(document.getElementById('config-error')?.textContent));
    await page.fill('#cfg-json', json.replace('********', 'a0a1a2a3').replace('"lifetime": 86400', '"lifetime": 600'));
    await page.click('#config-editor button[type="submit"]');
    await page.waitForFunction(() => /lifetime 600 s/.test(document.getElementById('config-accounts')?.textContent));
    await assertNoKey(page, 'a0a1a2a3');

    page.once('dialog', (d) => d.accept());
    await page.click('#config-delete');
    await page.waitForSelector('#configs tr[data-name="form-dev"]');
    assert.equal(await page.$('#configs tr[data-name="psk-dev"]'), null);
    assert.deepEqual(unexpected(errors, 400), []);
    await page.close();
  });

  test('a refused configuration shows the server\'s reason', async () => {
    const {page, errors} = await openPage(browser, `${server.url}/#/bootstrap`);
    await page.waitForSelector('#configs tbody tr');
    await page.click('#config-new');
    await page.fill('#cfg-name', 'refused');
    await page.click('#config-editor button[data-tab="json"]');
    await page.fill('#cfg-json', JSON.stringify({servers: [{security: {uri: 'coaps://127.0.0.1:5684', mode: 'psk', ssid: 1},
                                                             server: {}}]}));
    await page.click('#config-editor button[type="submit"]');
    await page.waitForFunction(() => /Refused/.test(document.getElementById('config-error')?.textContent));
    assert.match(await page.textContent('#config-error'), /PSK mode needs an identity and a key \(bad_config\)/);
    await page.fill('#cfg-json', '{"servers": [');
    await page.click('#config-editor button[type="submit"]');
    await page.waitForFunction(() => /Not JSON/.test(document.getElementById('config-error')?.textContent));
    assert.equal(await page.$('#configs tr[data-name="refused"]'), null);
    assert.deepEqual(unexpected(errors, 400), []);
    await page.close();
  });

  test('a device bootstrapping shows its session\'s events; a server-initiated bootstrap starts', async () => {
    await put(server.url, '/api/bootstrap/configs/bs-client',
              {servers: [{security: {uri: `coap://${server.coap}`, ssid: 1}, server: {lifetime: 300}}]});
    const {page, errors} = await openPage(browser, `${server.url}/#/bootstrap`);
    await page.waitForFunction(() => document.querySelector('h1 .badge')?.textContent === 'live');
    const client = spawn(drover, ['client', '--endpoint', 'bs-client', '--bootstrap', `coap://${bootstrapAddress}`,
                                  '--duration', '30'], {stdio: 'ignore'});
    try {
      const item = (event) => `#bootstrap-events li[data-endpoint="bs-client"][data-event="${event}"]`;
      await page.waitForSelector(item('finished'));
      assert.match(await page.textContent(item('started')), /started by the device/);
      const steps = await page.$$eval(item('step'), (items) => items.map((i) => i.textContent).reverse());
      assert.deepEqual(steps.map((s) => s.replace(/^.*#\d+ /, '')),
                       ['delete / 2.02', 'write /0/0 2.04', 'write /1/0 2.04', 'finish /bs 2.04']);
      await page.waitForFunction(() => document.getElementById('bs-finished')?.textContent === '1');

      // The server sends its requests to an address where no device answers: the session starts.
      await page.fill('#session-endpoint', 'bs-client');
      await page.fill('#session-address', '127.0.0.1:9');
      await page.click('#session-form button[type="submit"]');
      await page.waitForFunction(() => /Session \d+ of bs-client started/.test(document.getElementById('session-result').textContent));
      await page.waitForFunction((sel) => [...document.querySelectorAll(sel)].some((li) => /by the server/.test(li.textContent)),
                                 item('started'));
      await page.fill('#session-endpoint', 'nobody');
      await page.click('#session-form button[type="submit"]');
      await page.waitForFunction(() => /Not started/.test(document.getElementById('session-result').textContent));
      assert.match(await page.textContent('#session-result'), /no bootstrap configuration for nobody.*\(unknown_config\)/);
    } finally {
      client.kill('SIGKILL');
    }
    assert.deepEqual(unexpected(errors, 404), []);
    await page.close();
  });
});

describe('the security page', () => {
  test('credentials of each kind are added and deleted; a key never shows', async () => {
    const {page, errors} = await openPage(browser, `${server.url}/#/security`);
    await page.waitForSelector('#credentials tbody tr');
    await assertLabelled(page);
    const row = (endpoint) => `#credentials tr[data-endpoint="${endpoint}"]`;
    const save = () => page.click('#security-form button[type="submit"]');

    await page.fill('#sec-endpoint', 'sec-psk');
    await page.fill('#sec-identity', 'sec-psk-id');
    await page.fill('#sec-key', KEY);
    await save();
    await page.waitForSelector(row('sec-psk'));
    assert.match(await page.textContent(row('sec-psk')), /PSK identity sec-psk-id \(key set\)/);
    await assertNoKey(page, KEY);

    const {publicKey} = generateKeyPairSync('ec', {namedCurve: 'P-256'});
    await page.fill('#sec-endpoint', 'sec-rpk');
    await page.selectOption('#sec-type', 'rpk');
    await page.fill('#sec-public-key', publicKey.export({type: 'spki', format: 'pem'}));
    await save();
    await page.waitForSelector(row('sec-rpk'));
    assert.match(await page.textContent(row('sec-rpk')), /raw public key sha256:[0-9a-f]{64}/);

    await page.fill('#sec-endpoint', 'sec-x509');
    await page.selectOption('#sec-type', 'x509');
    await page.fill('#sec-x509-name', 'CN=sec-x509');
    await save();
    await page.waitForSelector(row('sec-x509'));
    assert.match(await page.textContent(row('sec-x509')), /X\.509 subject CN=sec-x509/);

    // The identity is bound to sec-psk already: the server's reason shows.
    await page.fill('#sec-endpoint', 'sec-other');
    await page.selectOption('#sec-type', 'psk');
    await page.fill('#sec-identity', 'sec-psk-id');
    await page.fill('#sec-key', 'aabbccdd');
    await save();
    await page.waitForFunction(() => /credential_in_use/.test(document.getElementById('security-error').textContent));
    assert.equal(await page.$(row('sec-other')), null);

    page.once('dialog', (d) => d.accept());
    await page.click(`${row('sec-psk')} button`);
    await page.waitForSelector(row('sec-psk'), {state: 'detached'});
    await page.waitForSelector(row('sec-x509'));
    await assertNoKey(page, KEY);
    assert.deepEqual(unexpected(errors, 409), []);
    await page.close();
  });
});

describe('a narrow screen in dark mode', () => {
  for (const hash of ['bootstrap', 'security']) {
    test(`the ${hash} page fits`, async () => {
      const {page, errors} = await openPage(browser, `${server.url}/#/${hash}`,
                                            {colorScheme: 'dark', viewport: {width: 390, height: 800}});
      await page.waitForSelector('tbody tr');
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - innerWidth);
      assert.ok(overflow <= 0, `the page is ${overflow} px wider than the screen`);
      assert.deepEqual(errors, []);
      await page.close();
    });
  }
});

describe('many configurations and credentials', () => {
  let many;
  before(async () => {
    many = await startServer(['--bootstrap-port', '0']);
    const uri = `coap://${many.coap}`;
    for (let i = 0; i < 55; ++i) {
      const name = `dev-${String(i).padStart(3, '0')}`;
      await put(many.url, `/api/bootstrap/configs/${name}`, {servers: [{security: {uri, ssid: 1}, server: {}}]});
      await put(many.url, `/api/security/${name}`, {credentials: [{type: 'x509', subject: `CN=${name}`}]});
    }
  });
  after(async () => {
    await many?.stop();
  });

  for (const [what, hash, rows, attribute] of [
    ['configurations', 'bootstrap', '#configs tbody tr[data-name]', 'name'],
    ['credentials', 'security', '#credentials tbody tr[data-endpoint]', 'endpoint']]) {
    test(`the ${what} are paged by the server's cursor`, async () => {
      const {page, errors} = await openPage(browser, `${many.url}/#/${hash}`);
      const shown = () => page.$$eval(rows, (r, a) => r.map((x) => x.dataset[a]), attribute);
      await page.waitForFunction((sel) => document.querySelectorAll(sel).length === 50, rows);
      const first = await shown();
      assert.equal(first[0], 'dev-000');
      assert.equal(first[49], 'dev-049');
      await page.click('text=Next →');
      await page.waitForFunction((sel) => document.querySelectorAll(sel).length === 5, rows);
      assert.deepEqual(await shown(), ['dev-050', 'dev-051', 'dev-052', 'dev-053', 'dev-054']);
      assert.ok(await page.isDisabled('text=Next →'));
      await page.click('text=← Previous');
      await page.waitForFunction((sel) => document.querySelectorAll(sel).length === 50, rows);
      assert.deepEqual(await shown(), first);
      assert.deepEqual(errors, []);
      await page.close();
    });
  }
});

describe('servers without the bootstrap role or the credentials', () => {
  test('the bootstrap page says that it is not running; the security page works', async () => {
    const plain = await startServer();
    try {
      const {page, errors} = await openPage(browser, `${plain.url}/#/bootstrap`);
      await page.waitForSelector('#bootstrap-absent');
      assert.match(await page.textContent('#bootstrap-absent'), /not running.*--bootstrap-port/s);
      await page.click('nav a[href="#/security"]');
      await page.waitForFunction(() => /No endpoint has credentials/.test(document.querySelector('#credentials tbody')?.textContent));
      assert.deepEqual(unexpected(errors, 404), []);
      await page.close();
    } finally {
      await plain.stop();
    }
  });

  test('on two shards the security page says that the server does not manage credentials', async () => {
    const sharded = await startServer(['--shards', '2']);
    try {
      const {page, errors} = await openPage(browser, `${sharded.url}/#/security`);
      await page.waitForSelector('#security-absent');
      assert.match(await page.textContent('#security-absent'), /does not manage DTLS credentials.*--shards/s);
      assert.deepEqual(unexpected(errors, 404), []);
      await page.close();
    } finally {
      await sharded.stop();
    }
  });
});
