// Shared helpers for the end-to-end journeys: a static server for the
// release build with single-page fallback, the built sandbox (the app plus
// the stand-in APIs on one origin), Debian's Chromium through
// playwright-core, and axe-core audits.
import { createServer } from 'node:http';
import { spawn } from 'node:child_process';
import { constants, rmSync } from 'node:fs';
import { access, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach } from 'node:test';

const require = createRequire(import.meta.url);
const axeSource = await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');
const repoDir = join(import.meta.dirname, '..', '..');
const distDir = join(repoDir, 'dist');
const types = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css', '.json': 'application/json' };

/**
 * The headers the release build's `dist/_headers` gives a path, as Netlify
 * and Cloudflare Pages apply them (every matching rule; `*` at the end of a
 * rule matches any rest): the same Content-Security-Policy production and
 * the sandbox serve.
 */
let headerRules;
export async function headersFor(pathname) {
  if (!headerRules) {
    headerRules = [];
    const text = await readFile(join(distDir, '_headers'), 'utf8');
    for (const line of text.split('\n')) {
      if (line.startsWith('#') || line.trim() === '') continue;
      if (/^\s/.test(line)) {
        const [name, ...value] = line.trim().split(':');
        headerRules.at(-1).headers.push([name.trim().toLowerCase(), value.join(':').trim()]);
      } else {
        headerRules.push({ pattern: line.trim(), headers: [] });
      }
    }
  }
  const headers = {};
  for (const { pattern, headers: ruleHeaders } of headerRules) {
    const matches = pattern.endsWith('*') ? pathname.startsWith(pattern.slice(0, -1)) : pathname === pattern;
    if (!matches) continue;
    for (const [name, value] of ruleHeaders) headers[name] = headers[name] ? `${headers[name]}, ${value}` : value;
  }
  return headers;
}

/** Serves dist/ on a free loopback port; a directory gets its index.html, unknown paths the app's, with the headers of dist/_headers. */
export async function startServer() {
  const server = createServer(async (request, response) => {
    const path = normalize(decodeURIComponent(new URL(request.url, 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
    // A directory serves its own index.html (dist/widget/ is the widget's
    // own build, at /widget), as the sandbox does; anything else unknown
    // gets the app's.
    let file = join(distDir, path);
    try {
      const found = await stat(file);
      if (found.isDirectory() && (await stat(join(file, 'index.html')).catch(() => null))?.isFile()) file = join(file, 'index.html');
      else if (!found.isFile()) file = join(distDir, 'index.html');
    } catch {
      // A missing file name is a 404, as in the sandbox; app routes get the app.
      if (extname(path) !== '') {
        response.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found\n');
        return;
      }
      file = join(distDir, 'index.html');
    }
    try {
      const body = await readFile(file);
      const headers = { ...(await headersFor(path)), 'content-type': types[extname(file)] ?? 'application/octet-stream' };
      response.writeHead(200, headers);
      response.end(body);
    } catch {
      response.writeHead(500).end('dist/ is missing: run `cargo xtask test` or `trunk build --release`');
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, baseUrl: `http://127.0.0.1:${server.address().port}` };
}

/**
 * Starts the already-built sandbox (`target/debug/intake-sandbox`, or under
 * `$CARGO_TARGET_DIR`) on a free loopback port with a fresh data directory,
 * serving `dist/` and `public/forms/`, and resolves once it prints its
 * listening line. It does not build anything: without the binary it throws
 * an Error saying to run `cargo build -p intake-sandbox`.
 *
 * Resolves to:
 * - `baseUrl`: `http://127.0.0.1:PORT`, no trailing slash;
 * - `stop()`: kills the process and removes the data directory (safe to call twice);
 * - `reset()`: `POST /__admin/reset`, resolves to `{reset: true}`;
 * - `addRecords(target, kind, records)`: `POST /__admin/records/{target}`, stores
 *   `[{id, body}]` as they are, after every earlier record;
 * - `dropped()`: `GET /__admin/dropped`, resolves to the fields accepted writes
 *   carried that the vendor's document does not list;
 * - `honourKeys(targets)`: `POST /__admin/idempotency`, replays writes by their
 *   Idempotency-Key for `targets` (a list of names, `'all'` or `'none'`) until the
 *   next reset, as a gateway that honours keys would;
 * - `records(target, kind?)`: `GET /__admin/records/{target}[?kind=KIND]`,
 *   resolves to its `records` array (`[{kind, id, deleted, created_at, updated_at, body}]`);
 * - `fault({route, fault, count, retry_after, latency_ms})`: `POST /__admin/faults`
 *   (leave out what should take the sandbox's default), resolves to the registered
 *   fault `{id, route, fault, remaining, latency_ms, retry_after}`.
 * The admin calls reject with an Error carrying the status and answer when the
 * sandbox refuses them.
 */
export async function startSandbox() {
  const dataDir = await mkdtemp(join(tmpdir(), 'intake-e2e-sandbox-'));
  let server;
  try {
    server = await startBuilt('intake-sandbox', ['--port', '0', '--data', dataDir, '--dist', distDir, '--forms', join(repoDir, 'public', 'forms'),
      '--demo-host', join(repoDir, 'dev', 'embed')], {
      // Should the test runner exit without stop(), take the sandbox's data along.
      cleanUp: () => rmSync(dataDir, { recursive: true, force: true }),
    });
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  const { stop } = server;
  const baseUrl = `http://${server.address}`;

  // The organisation's gateway behind the sandbox's /gateway/..., on the
  // demo configuration pointed at this sandbox.
  let gateway;
  try {
    gateway = await startGateway({
      upstreamOrigin: baseUrl,
      dataDir,
      // Every journey's requests come from 127.0.0.1: the demo's
      // per-client limit would throttle a whole test file.
      adjust: (text) => text.replace(/public_requests_per_minute = \d+/, 'public_requests_per_minute = 6000')
        .replace(/public_burst = \d+/, 'public_burst = 1000'),
    });
    const response = await fetch(`${baseUrl}/__admin/gateway`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ address: gateway.address }),
    });
    if (response.status !== 200) throw new Error(`POST /__admin/gateway answered ${response.status}: ${await response.text()}`);
  } catch (error) {
    await gateway?.stop();
    await stop();
    throw error;
  }
  const stopSandbox = stop;
  const stopBoth = async () => {
    await gateway.stop();
    await stopSandbox();
  };

  const admin = async (method, path, body, expectedStatus) => {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (response.status !== expectedStatus) {
      throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
    }
    return JSON.parse(text);
  };
  return {
    baseUrl,
    stop: stopBoth,
    gateway,
    reset: () => admin('POST', '/__admin/reset', undefined, 200),
    records: async (target, kind) => {
      const query = kind === undefined ? '' : `?kind=${encodeURIComponent(kind)}`;
      return (await admin('GET', `/__admin/records/${encodeURIComponent(target)}${query}`, undefined, 200)).records;
    },
    clearFaults: async () => {
      const response = await fetch(`${baseUrl}/__admin/faults`, { method: 'DELETE' });
      if (response.status !== 204) throw new Error(`DELETE /__admin/faults answered ${response.status}`);
    },
    addRecords: async (target, kind, records) =>
      (await admin('POST', `/__admin/records/${encodeURIComponent(target)}`, { kind, records }, 201)).added,
    dropped: async () => (await admin('GET', '/__admin/dropped', undefined, 200)).dropped,
    honourKeys: async (targets) => (await admin('POST', '/__admin/idempotency', { honour: targets }, 200)).honour,
    fault: async ({ route, fault, count, retry_after, latency_ms }) =>
      (await admin('POST', '/__admin/faults', { route, fault, count, retry_after, latency_ms }, 201)).fault,
  };
}

/**
 * Starts the built gateway (`target/debug/intake-gateway`) on a free port
 * with the demo configuration (`dev/gateway/demo.toml`) pointed at
 * `upstreamOrigin` (the sandbox), its relative paths made whole, its key
 * store in `dataDir`, and `adjust(text)` applied to the TOML last.
 * Resolves to `{ address, url, stop(), log() }`: `log()` is everything it
 * wrote to standard error (one line per request).
 */
export async function startGateway({ upstreamOrigin, dataDir, adjust = (text) => text }) {
  const gatewayDir = join(repoDir, 'dev', 'gateway');
  const upstream = new URL(upstreamOrigin);
  let text = (await readFile(join(gatewayDir, 'demo.toml'), 'utf8'))
    .replaceAll('http://127.0.0.1:8080', upstream.origin)
    .replaceAll('http://localhost:8080', `http://localhost:${upstream.port}`)
    .replaceAll('"../../', `"${repoDir}/`)
    .replace('"charity-crm-demo-key.pem"', JSON.stringify(join(gatewayDir, 'charity-crm-demo-key.pem')))
    .replace(/^idempotency_store = .*$/m, `idempotency_store = ${JSON.stringify(join(dataDir, `gateway-keys-${Date.now()}.sqlite`))}`);
  text = adjust(text);
  const configuration = join(dataDir, `gateway-${Date.now()}.toml`);
  await writeFile(configuration, text);
  const { address, stop, output } = await startBuilt('intake-gateway', ['--config', configuration, '--listen', '127.0.0.1:0'], {
    env: { INTAKE_DEMO_VENDOR_TOKEN: 'demo-staff-token', INTAKE_GATEWAY_LOG: 'info' },
  });
  return { address, url: `http://${address}`, stop, log: output };
}

/**
 * Starts one of our built servers (`target/debug/NAME`, or under
 * `$CARGO_TARGET_DIR`) with `args` and `env` added to ours, and resolves
 * once it prints `NAME listening on http://127.0.0.1:PORT` to
 * `{ address: '127.0.0.1:PORT', stop(), output() }`: `stop()` ends it
 * (safe to call twice) and runs `cleanUp`, which also runs should the test
 * runner exit first; `output()` is everything it wrote to standard error
 * (kept read so the pipe never fills; it explains a failed start). It
 * builds nothing: without the binary it throws saying what to build.
 */
async function startBuilt(name, args, { env = {}, cleanUp = () => {} } = {}) {
  const targetDir = process.env.CARGO_TARGET_DIR ? resolve(repoDir, process.env.CARGO_TARGET_DIR) : join(repoDir, 'target');
  const binary = join(targetDir, 'debug', process.platform === 'win32' ? `${name}.exe` : name);
  try {
    await access(binary, constants.X_OK);
  } catch {
    throw new Error(`${name} is not built (no ${binary}): run \`cargo build -p ${name}\` first`);
  }
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let output = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => { output += chunk; });
  const exited = new Promise((resolveExit) => child.once('exit', (code, signal) => resolveExit({ code, signal })));
  const killOnExit = () => {
    child.kill('SIGKILL');
    cleanUp();
  };
  process.once('exit', killOnExit);
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.removeListener('exit', killOnExit);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killLater = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(killLater);
    }
    cleanUp();
  };
  const listening = new RegExp(`^${name} listening on http://(127\\.0\\.0\\.1:\\d+)$`);
  try {
    const address = await new Promise((resolveStart, rejectStart) => {
      const lines = createInterface({ input: child.stdout });
      const timer = setTimeout(() => rejectStart(new Error(`${name} did not print its listening line within 20 s\n${output}`)), 20000);
      lines.on('line', (line) => {
        const match = listening.exec(line.trim());
        if (match) {
          clearTimeout(timer);
          resolveStart(match[1]);
        }
      });
      child.once('error', (error) => { clearTimeout(timer); rejectStart(error); });
      exited.then(({ code, signal }) => {
        clearTimeout(timer);
        rejectStart(new Error(`${name} exited before listening (${signal ?? `status ${code}`})\n${output}`));
      });
    });
    return { address, stop, output: () => output };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * The demo host page (`dev/embed/`) on an origin of its own: `localhost`,
 * where the app is `127.0.0.1` (different origins and sites to the
 * browser), with its snippet pointing at `appOrigin`, as the development
 * server writes it. Resolves to `{ server, origin, url }`.
 */
export async function startDemoHost(appOrigin) {
  const embedDir = join(repoDir, 'dev', 'embed');
  const contentTypes = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };
  const server = createServer(async (request, response) => {
    const name = new URL(request.url, 'http://x').pathname.split('/').pop() || 'demo-host.html';
    try {
      const body = (await readFile(join(embedDir, name), 'utf8')).replaceAll('{{APP_ORIGIN}}', appOrigin);
      response.writeHead(200, { 'content-type': contentTypes[extname(name)] ?? 'text/plain' });
      response.end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://localhost:${server.address().port}`;
  return { server, origin, url: `${origin}/demo-host.html` };
}

/** What the journeys answer on the demo Unite US widget (its date of birth is a sensitive question). */
export const widgetAnswers = {
  'first-name': 'Rosa', 'last-name': 'Diaz', 'date-of-birth': '1990-05-06', phone: '5125550199', email: 'rosa@example.org',
  'postal-code': '78701', description: 'We need food until Friday.',
  'intake.person.address.line_1': '1 Main St', 'intake.person.address.city': 'Austin', 'intake.person.address.state': 'TX',
};

/**
 * Fills a date question's three fields, found by their labels (English's by
 * default), from an ISO date; `scope` is a page, frame or locator.
 */
export async function fillDate(scope, questionId, iso, labels = { day: 'Day', month: 'Month', year: 'Year' }) {
  const [year, month, day] = iso.split('-');
  const question = scope.locator(`[data-question-id="${questionId}"]`);
  for (const [part, value] of Object.entries({ day, month, year })) {
    await question.getByLabel(labels[part], { exact: true }).fill(value);
  }
}

/** Types an ISO date into a date question by keyboard, focus on its first field: month, day, year in English. */
export async function typeDate(keyboard, iso) {
  const [year, month, day] = iso.split('-');
  await keyboard.type(month); await keyboard.press('Tab');
  await keyboard.type(day); await keyboard.press('Tab');
  await keyboard.type(year);
}

/** Answers every question of the demo widget but the signature, which comes with the later parts. */
export async function answerAllButTheSignature(page) {
  for (const [id, value] of Object.entries(widgetAnswers)) {
    if (id === 'date-of-birth') await fillDate(page, id, value);
    else await page.locator(`[data-question-id="${id}"]`).locator('input, textarea').first().fill(value);
  }
  await page.locator('[data-question-id="contact-preference"]').getByText('Phone call', { exact: true }).click();
  await page.locator('[data-question-id="need"] select').selectOption({ label: 'Food' });
  await page.locator('[data-question-id="consent-given"] input').check();
  await page.locator('[data-question-id="intake.person.address.address_type"]').getByText('Home', { exact: true }).click();
}

/** Answers every question of the demo widget by mouse, signing by typing a name. */
export async function answerEverything(page) {
  await answerAllButTheSignature(page);
  await page.locator('[data-question-id="intake.consent.signature_image"] .signature input[type=text]').fill('Rosa Diaz');
  await page.waitForSelector('text=Signed. Clear it to sign again.');
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
    // Playwright gives every launch a fresh, empty profile of its own.
  });
}

/** Runs axe-core on the page and returns its violations, described. */
export async function axeViolations(page) {
  if (!(await page.evaluate(() => typeof window.axe !== 'undefined'))) {
    // Evaluated through the DevTools protocol rather than added as a <script>,
    // which the app's Content-Security-Policy would rightly refuse.
    await page.evaluate(axeSource);
  }
  const result = await page.evaluate(async () => {
    const outcome = await window.axe.run(document, { resultTypes: ['violations'] });
    return outcome.violations.map((violation) => ({ id: violation.id, help: violation.help, targets: violation.nodes.map((node) => node.target.join(' ')) }));
  });
  return result;
}

/** One suite's axe-core audit: `check` asserts a state has no violation and counts it; `report` prints the counts. */
export function axeAudit(suite) {
  const counts = { states: 0, violations: 0 };
  return {
    async check(page, state) {
      const violations = await axeViolations(page);
      counts.states += 1;
      counts.violations += violations.length;
      assert.deepEqual(violations, [], `axe-core violations in ${state}`);
    },
    report() {
      console.log(`axe-core (${suite}): ${counts.states} states audited, ${counts.violations} violations`);
    },
  };
}

/**
 * The hooks every suite against the sandbox shares: one sandbox and one
 * browser for the whole suite, the sandbox reset before each journey, and at
 * the end the browser closed, the sandbox stopped and the suite's axe counts
 * printed. `onStart(sandbox, browser)` hands both to the suite (and may start
 * more, such as a host page); `onEnd()` prints or stops what the suite added.
 */
export function sandboxSuite(audit, { onStart, onEnd } = {}) {
  let sandbox, browser;
  before(async () => {
    sandbox = await startSandbox();
    browser = await launchBrowser();
    await onStart?.(sandbox, browser);
  });
  after(async () => {
    await browser?.close();
    await sandbox?.stop();
    audit.report();
    await onEnd?.();
  });
  beforeEach(async () => {
    await sandbox.reset();
  });
  // A real server drops a field its document does not list, without an error, so an
  // answer sent under a wrong name is lost; the sandbox records each such field
  // (docs/vendor-fields.txt), and a journey that caused one fails.
  afterEach(async () => {
    const dropped = await sandbox.dropped();
    if (dropped.length > 0) {
      const lines = dropped.map((entry) => `${entry.method} ${entry.path}: ${entry.field} (${entry.reason})`);
      throw new Error(`the vendor's document lists no such field, so a real server would drop it:\n${lines.join('\n')}`);
    }
  });
}

/** Signs in on the staff page with `token`, by mouse. */
export async function signInStaff(page, token) {
  const form = page.locator('[data-testid="sign-in"]');
  await form.getByLabel(/Access token/).fill(token);
  await form.getByRole('button', { name: 'Sign in' }).click();
}

/** Staff find the person first; a search for nobody known, then a new person. */
export async function startNewPerson(page) {
  const find = page.locator('[data-testid="find-person"]');
  await find.getByLabel('First name').fill('Nobody');
  await find.getByLabel('Last name').fill('Known');
  await find.getByRole('button', { name: 'Search' }).click();
  await page.locator('[data-testid="new-person"]').click();
  await page.waitForSelector('[data-question-id]');
}

/** Collects console errors and uncaught exceptions, which fail a journey. */
export function watchErrors(page) {
  const errors = [];
  page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
  page.on('console', (message) => { if (message.type() === 'error') errors.push(`console: ${message.text()}`); });
  return errors;
}

/** Keyboard-only movement: Tab until focus reaches a question or the submit button, as a person would. */
export function keyboard(page) {
  const focused = () => page.evaluate(() => {
    const element = document.activeElement;
    return { question: element?.closest('[data-question-id]')?.dataset.questionId, type: element?.type };
  });
  const focusedQuestion = async () => (await focused()).question;
  const tabTo = async (questionId) => {
    for (let presses = 0; presses < 30 && (await focusedQuestion()) !== questionId; presses += 1) await page.keyboard.press('Tab');
    assert.equal(await focusedQuestion(), questionId, `Tab never reached ${questionId}`);
  };
  const pressSubmit = async () => {
    for (let presses = 0; presses < 30 && (await focused()).type !== 'submit'; presses += 1) await page.keyboard.press('Tab');
    assert.equal((await focused()).type, 'submit', 'Tab never reached the submit button');
    await page.keyboard.press('Enter');
  };
  return { focusedQuestion, tabTo, pressSubmit };
}
