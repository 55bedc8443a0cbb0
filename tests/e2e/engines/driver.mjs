// One small page interface over the two other engines people use, so the
// cross-engine journeys are one codebase: Debian's Firefox ESR through
// puppeteer-core over WebDriver BiDi (Firefox speaks it itself; Playwright's
// Firefox is a patched build it would download), and Debian's WebKitGTK
// through its own W3C WebDriver server (`WebKitWebDriver` under `xvfb-run`),
// spoken here with plain `fetch`: the dozen commands the journeys use do not
// justify a client library. Chromium keeps its Playwright journeys.
//
// A page offers: goto, evaluate(fn, ...args) (fn runs in the page; its
// value comes back as JSON), waitFor(fn, ...args), click(selector),
// press(key) ('Tab', 'Shift+Tab', 'Enter', 'Space', 'ArrowDown'),
// type(text) into whatever has focus, draw(selector, points) with the
// pointer, title(), close().
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import puppeteer from 'puppeteer-core';

const require = createRequire(import.meta.url);
const axeSource = await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');

export const ENGINES = ['firefox', 'webkit'];

const FIREFOX = process.env.FIREFOX ?? '/usr/bin/firefox-esr';
const WEBKIT_DRIVER = process.env.WEBKIT_DRIVER ?? '/usr/bin/WebKitWebDriver';
const MINIBROWSER = process.env.MINIBROWSER ?? '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';

/** Polls `check()` until it is truthy, at most `timeout` ms; throws `message` then. */
async function until(check, timeout, message) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms: ${message}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The source that calls `fn` with `args` in the page. */
const call = (fn, args) => `(${fn})(...${JSON.stringify(args)})`;

/** Methods every page has, built on evaluate, press and type. */
function common(page) {
  return Object.assign(page, {
    async waitFor(fn, ...args) {
      const options = typeof args.at(-1) === 'object' && args.at(-1)?.timeout ? args.pop() : { timeout: 15000 };
      return until(() => page.evaluate(fn, ...args).catch(() => false), options.timeout, String(fn).slice(0, 120));
    },
    waitForSelector(selector, timeout = 15000) {
      return until(() => page.evaluate((css) => document.querySelector(css) !== null, selector).catch(() => false), timeout, selector);
    },
    text(selector) {
      return page.evaluate((css) => document.querySelector(css)?.textContent ?? null, selector);
    },
    async axe() {
      if (!(await page.evaluate(() => typeof window.axe !== 'undefined'))) await page.run(axeSource);
      return page.evaluate(async () => {
        const outcome = await window.axe.run(document, { resultTypes: ['violations'] });
        return outcome.violations.map((violation) => ({ id: violation.id, help: violation.help, targets: violation.nodes.map((node) => node.target.join(' ')) }));
      });
    },
  });
}

/**
 * Firefox ESR over WebDriver BiDi (puppeteer-core). `refuseThirdPartyStorage`
 * sets the preference a person's "block third-party cookies" sets, under
 * which a frame from another site gets no storage at all.
 */
async function launchFirefox({ refuseThirdPartyStorage = false } = {}) {
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX,
    headless: true,
    extraPrefsFirefox: refuseThirdPartyStorage ? { 'network.cookie.cookieBehavior': 1 } : {},
  });
  const version = await browser.version();
  return {
    name: 'firefox',
    version,
    async newPage() {
      const raw = await browser.newPage();
      const keys = { Space: ' ' };
      return common({
        goto: (url) => raw.goto(url, { waitUntil: 'load' }),
        evaluate: (fn, ...args) => raw.evaluate(call(fn, args)),
        run: (source) => raw.evaluate(source),
        click: (selector) => raw.click(selector),
        async press(key) {
          const [modifier, named] = key.includes('+') ? key.split('+') : [null, key];
          if (modifier) await raw.keyboard.down(modifier);
          await raw.keyboard.press(keys[named] ?? named);
          if (modifier) await raw.keyboard.up(modifier);
        },
        type: (text) => raw.keyboard.type(text),
        async draw(selector, points) {
          const box = await raw.evaluate(call((css) => {
            const rect = document.querySelector(css).getBoundingClientRect();
            return { x: rect.x, y: rect.y };
          }, [selector]));
          const [first, ...rest] = points;
          await raw.mouse.move(box.x + first[0], box.y + first[1]);
          await raw.mouse.down();
          for (const [x, y] of rest) await raw.mouse.move(box.x + x, box.y + y, { steps: 4 });
          await raw.mouse.up();
        },
        title: () => raw.title(),
        /** The document of the iframe `selector` names: evaluate, click and draw run in it. */
        async frame(selector) {
          const handle = await raw.waitForSelector(selector);
          const frame = await handle.contentFrame();
          const page = this;
          return common({
            evaluate: (fn, ...args) => frame.evaluate(call(fn, args)),
            run: (source) => frame.evaluate(source),
            click: (css) => frame.click(css),
            press: (key) => page.press(key),
            type: (text) => page.type(text),
            async draw(css, points) {
              const outer = await handle.boundingBox();
              const inner = await frame.evaluate(call((inside) => {
                const rect = document.querySelector(inside).getBoundingClientRect();
                return { x: rect.x, y: rect.y };
              }, [css]));
              const [first, ...rest] = points;
              const at = ([x, y]) => [outer.x + inner.x + x, outer.y + inner.y + y];
              await raw.mouse.move(...at(first));
              await raw.mouse.down();
              for (const point of rest) await raw.mouse.move(...at(point), { steps: 4 });
              await raw.mouse.up();
            },
          });
        },
        close: () => raw.close(),
      });
    },
    close: () => browser.close(),
  };
}

async function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
    server.once('error', reject);
  });
}

/** The W3C WebDriver key codes the journeys press. */
const W3C_KEYS = { Tab: '\uE004', Enter: '\uE007', Space: ' ', ArrowDown: '\uE015', ArrowUp: '\uE013', Shift: '\uE008', Backspace: '\uE003', Escape: '\uE00C' };
const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';

/** WebKitGTK's MiniBrowser through WebKitWebDriver, under a virtual display. */
async function launchWebKit() {
  const port = await freePort();
  const driver = spawn('xvfb-run', ['-a', WEBKIT_DRIVER, `--port=${port}`], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  driver.stdout.on('data', (chunk) => { output += chunk; });
  driver.stderr.on('data', (chunk) => { output += chunk; });
  const base = `http://127.0.0.1:${port}`;
  const command = async (method, path, body) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const answer = await response.json();
    if (!response.ok) throw new Error(`WebDriver ${method} ${path}: ${answer.value?.error} ${answer.value?.message}`);
    return answer.value;
  };
  await until(() => fetch(`${base}/status`).then((response) => response.ok, () => false), 20000, `WebKitWebDriver did not start: ${output}`);
  const sessions = [];
  const stopDriver = () => {
    try { process.kill(-driver.pid, 'SIGTERM'); } catch { /* already gone */ }
  };
  process.once('exit', stopDriver);
  let version = 'WebKitGTK';
  return {
    name: 'webkit',
    get version() { return version; },
    async newPage() {
      const session = await command('POST', '/session', {
        capabilities: { alwaysMatch: { browserName: 'MiniBrowser', 'webkitgtk:browserOptions': { binary: MINIBROWSER, args: ['--automation'] } } },
      });
      version = `WebKitGTK ${session.capabilities.browserVersion}`;
      const id = session.sessionId;
      sessions.push(id);
      const at = (path) => `/session/${id}${path}`;
      const evaluate = async (source) => {
        const outcome = await command('POST', at('/execute/async'), {
          script: `const done = arguments[arguments.length - 1];
            Promise.resolve().then(() => ${source}).then((value) => done({ value }), (error) => done({ error: String(error && error.stack || error) }));`,
          args: [],
        });
        if (outcome?.error) throw new Error(outcome.error);
        return outcome?.value;
      };
      const element = async (selector) => (await command('POST', at('/element'), { using: 'css selector', value: selector }))[ELEMENT];
      const keyActions = (actions) => command('POST', at('/actions'), { actions: [{ type: 'key', id: 'keyboard', actions }] });
      await command('POST', at('/timeouts'), { script: 30000, pageLoad: 30000 });
      // Commands run in the top document unless `inFrame` switches to an iframe's for their length.
      const inFrame = async (selector, work) => {
        if (selector === null) return work();
        const reference = await element(selector);
        await command('POST', at('/frame'), { id: { [ELEMENT]: reference } });
        try {
          return await work();
        } finally {
          await command('POST', at('/frame'), { id: null });
        }
      };
      const draw = async (selector, points) => {
        // Offsets from the element's top left corner; WebDriver counts from its centre.
        const box = await evaluate(call((css) => {
          const rect = document.querySelector(css).getBoundingClientRect();
          return { width: rect.width, height: rect.height };
        }, [selector]));
        const origin = { [ELEMENT]: await element(selector) };
        const offset = ([x, y]) => ({ x: Math.round(x - box.width / 2), y: Math.round(y - box.height / 2) });
        const [first, ...rest] = points;
        await command('POST', at('/actions'), {
          actions: [{
            type: 'pointer', id: 'mouse', parameters: { pointerType: 'mouse' },
            actions: [
              { type: 'pointerMove', origin, ...offset(first), duration: 0 },
              { type: 'pointerDown', button: 0 },
              ...rest.map((point) => ({ type: 'pointerMove', origin, ...offset(point), duration: 50 })),
              { type: 'pointerUp', button: 0 },
            ],
          }],
        });
        await command('DELETE', at('/actions'));
      };
      return common({
        goto: (url) => command('POST', at('/url'), { url }),
        evaluate: (fn, ...args) => evaluate(call(fn, args)),
        run: (source) => command('POST', at('/execute/sync'), { script: `${source}; return true;`, args: [] }),
        async click(selector) {
          await command('POST', at(`/element/${await element(selector)}/click`), {});
        },
        async frame(selector) {
          const page = this;
          return common({
            evaluate: (fn, ...args) => inFrame(selector, () => evaluate(call(fn, args))),
            run: (source) => inFrame(selector, () => command('POST', at('/execute/sync'), { script: `${source}; return true;`, args: [] })),
            click: (css) => inFrame(selector, async () => command('POST', at(`/element/${await element(css)}/click`), {})),
            press: (key) => page.press(key),
            type: (text) => page.type(text),
            draw: (css, points) => inFrame(selector, () => draw(css, points)),
          });
        },
        async press(key) {
          const [modifier, named] = key.includes('+') ? key.split('+') : [null, key];
          const value = W3C_KEYS[named] ?? named;
          const down = modifier ? [{ type: 'keyDown', value: W3C_KEYS[modifier] }] : [];
          const up = modifier ? [{ type: 'keyUp', value: W3C_KEYS[modifier] }] : [];
          await keyActions([...down, { type: 'keyDown', value }, { type: 'keyUp', value }, ...up]);
          await command('DELETE', at('/actions'));
        },
        async type(text) {
          await keyActions([...text].flatMap((character) => [{ type: 'keyDown', value: character }, { type: 'keyUp', value: character }]));
        },
        draw: (selector, points) => draw(selector, points),
        title: () => command('GET', at('/title')),
        async close() {
          await command('DELETE', at('')).catch(() => {});
          sessions.splice(sessions.indexOf(id), 1);
        },
      });
    },
    async close() {
      for (const id of [...sessions]) await command('DELETE', `/session/${id}`).catch(() => {});
      stopDriver();
      process.removeListener('exit', stopDriver);
    },
  };
}

/** Starts `name` ('firefox' or 'webkit'); `options` as `launchFirefox` takes them. */
export function launchEngine(name, options = {}) {
  if (name === 'firefox') return launchFirefox(options);
  if (name === 'webkit') return launchWebKit();
  throw new Error(`no such engine: ${name}`);
}
