// What the browser tests share: a `drover demo` (or server) started on ports the OS picks and
// killed when done, and Debian's Chromium, headless, driven by playwright-core (no browser
// download). Everything stays on loopback; every wait is bounded.
import {spawn} from 'node:child_process';
import {mkdtempSync, rmSync} from 'node:fs';
import {createRequire} from 'node:module';
import {tmpdir} from 'node:os';
import path from 'node:path';

const modules = process.env.DROVER_NODE_MODULES;
if (!modules) throw new Error('DROVER_NODE_MODULES is not set (the build tree\'s node_modules)');
const {chromium} = createRequire(path.join(modules, 'noop.js'))('playwright-core');

export const drover = process.env.DROVER_BIN;
if (!drover) throw new Error('DROVER_BIN is not set');
const chromiumPath = process.env.DROVER_CHROMIUM || '/usr/bin/chromium';

// Starts `drover <args>` and resolves, once it logs its HTTP address, to {url, process, log(),
// stop()}. The process is killed by stop(), and at the latest when this test process exits.
export function startDrover(args, {timeoutMs = 20000} = {}) {
  // A store of its own, not the user's: another run's store could refuse this one's settings.
  const state = mkdtempSync(path.join(tmpdir(), 'drover-state-'));
  const child = spawn(drover, args, {stdio: ['ignore', 'pipe', 'pipe'],
                                     env: {...process.env, XDG_STATE_HOME: state}});
  child.on('exit', () => rmSync(state, {recursive: true, force: true}));
  let output = '';
  const children = startDrover.children ??= new Set();
  children.add(child);
  child.on('exit', () => children.delete(child));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`drover ${args.join(' ')} did not start in time:\n${output}`));
    }, timeoutMs);
    const read = (chunk) => {
      output += chunk;
      const m = /HTTP API on (https?:\/\/127\.0\.0\.1:\d+)\/api\/clients/.exec(output);
      const coap = /coap:\/\/(127\.0\.0\.1:\d+)/.exec(output);
      if (m && coap) {
        clearTimeout(timer);
        resolve({
          url: m[1], coap: coap[1], process: child, log: () => output,
          stop: () => new Promise((done) => {
            if (child.exitCode !== null) return done();
            child.once('exit', done);
            child.kill('SIGTERM');
            setTimeout(() => child.kill('SIGKILL'), 8000).unref();
          }),
        });
      }
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`drover ${args.join(' ')} exited (${code}):\n${output}`));
    });
  });
}

process.on('exit', () => {
  for (const child of startDrover.children ?? []) child.kill('SIGKILL');
});

// Headless Chromium with a fresh, empty profile; close() also removes the profile.
export async function launchBrowser() {
  const profile = mkdtempSync(path.join(tmpdir(), 'drover-chromium-'));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    timeout: 30000,
    viewport: {width: 1280, height: 900},
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return {
    browser,
    close: async () => {
      await browser.close();
      rmSync(profile, {recursive: true, force: true});
    },
  };
}

// A new page that fails the test on any error the page reports (an exception, a failed load,
// a Content-Security-Policy violation).
export async function openPage(browser, url, {colorScheme = 'light', viewport} = {}) {
  const page = await browser.newPage();
  await page.emulateMedia({colorScheme});
  if (viewport) await page.setViewportSize(viewport);
  page.setDefaultTimeout(10000);
  const errors = [];
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  await page.goto(url);
  return {page, errors};
}
