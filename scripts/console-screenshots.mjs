// Takes the screenshots of the console in docs/images from a `drover demo` in headless Chromium:
//   DROVER_BIN=build/release/apps/drover DROVER_NODE_MODULES=build/release/console/npm/node_modules \
//     node scripts/console-screenshots.mjs docs/images
import path from 'node:path';
import {launchBrowser, openPage, startDrover} from '../tests/browser/harness.mjs';

const out = process.argv[2] || 'docs/images';
const demo = await startDrover(['demo', '--coap-port', '0', '--http-port', '0', '--devices', '12',
                                '--sample-interval', '0.5', '--send-interval', '2']);
const {browser, close} = await launchBrowser();
const shot = (page, name, options = {}) => page.screenshot({path: path.join(out, name), ...options});
try {
  const {page} = await openPage(browser, `${demo.url}/`, {viewport: {width: 1280, height: 720}});
  await page.waitForSelector('#fleet tbody tr[data-endpoint="demo-11"]');
  await page.waitForTimeout(2500);  // the rates
  await shot(page, 'console-fleet.png');

  await page.goto(`${demo.url}/#/devices/demo-0`);
  await page.waitForSelector('.resource[data-path="/3/0/0"]');
  await page.click('details[data-path="/3/0"] > summary button[data-op="read"]');
  await page.$eval('details[data-path="/3303"]', (d) => { d.open = true; });
  await page.click('.resource[data-path="/3303/0/5700"] button[data-op="plot"]');
  await page.click('.resource[data-path="/3303/0/5700"] button[data-op="observe"]');
  await page.click('#coap-toggle');
  await page.waitForTimeout(6000);
  await shot(page, 'console-device.png', {fullPage: true, clip: {x: 0, y: 0, width: 1280, height: 1150}});

  await page.setViewportSize({width: 1280, height: 800});
  await page.goto(`${demo.url}/#/server`);
  await page.waitForTimeout(7000);
  await shot(page, 'console-server.png');

  await page.goto(`${demo.url}/#/models/3303`);
  await page.waitForSelector('table tbody tr');
  await shot(page, 'console-model.png');

  await page.emulateMedia({colorScheme: 'dark'});
  await page.setViewportSize({width: 390, height: 800});
  await page.goto(`${demo.url}/#/`);
  await page.waitForSelector('#fleet tbody tr[data-endpoint]');
  await shot(page, 'console-fleet-narrow-dark.png');
} finally {
  await close();
  await demo.stop();
}
