// The side-by-side benchmark: our app against SurveyJS and Form.io on the
// same generated forms (bench/generate.mjs), in Debian's headless Chromium
// driven by playwright-core. Run by `cargo xtask bench` after the engine
// benchmark, or alone with `node bench/run.mjs` once `npm ci --prefix bench`
// has run and dist/ holds a release build.
//
// For each renderer and form size it measures, over cold runs (a new
// browser context, so an empty cache, each time):
// - bytes shipped: every HTML, JavaScript, CSS and WebAssembly response, raw
//   and gzip level 9 (computed here: the local server sends them raw);
// - first question: from navigation start to the first frame in which a
//   question element is on screen; and to the frame in which all are;
// - toggle: a real click on the master question's "Yes" (then "No"), from
//   the click to the frame after the one in which every dependent question
//   has changed visibility;
// - heap after render: the JavaScript heap after a garbage collection, plus
//   WebAssembly memory (ours keeps its state there), and the DOM's heap.
// And two floors, what the browser alone costs: a page with one question in
// its HTML and no script (bench/pages/floor.html), once per run; and, on
// our page, the same toggles made by a bare script instead of our app.
// It then prints a table and writes docs/benchmarks.md.
//
// Then the phone profile: the public widget's build (Unite US configuration,
// the form from its form configuration) and the peers' pages, on the
// 50-question form, with the DevTools protocol slowing the CPU 4× and the
// network to a mobile one (see PHONE), and the server sending gzip as a real
// one would; first question, when its last script, style or WebAssembly
// file arrived, and the "Yes" toggle; and the floor page, throttled alike.
//
// Settings: INTAKE_BENCH_RUNS (default 7) cold runs per renderer and size;
// INTAKE_BENCH_SIZES (default 50,200,1000) the form sizes;
// INTAKE_BENCH_PHONE=0 leaves the phone profile out.

import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { gzipSync, constants as zlibConstants } from 'node:zlib';
import { chromium } from 'playwright-core';
import { FORM_SIZES, generateForm } from './generate.mjs';
import { describeMachine, watchLoad } from './machine.mjs';
import { installProbe } from './probe.mjs';
import { snapshotDist, startServer, widgetDeferred, widgetFirstLoad } from './server.mjs';
import { renderReport } from './report.mjs';
import { CHROMIUM_FLAGS, RENDERERS, SETTLE_MS, typeOneKey } from './measure.mjs';

const benchDir = import.meta.dirname;
const repoDir = join(benchDir, '..');

// The phone profile: the widget's own build, against the same peer pages.
const PHONE_RENDERERS = [
  { key: 'ours', name: 'ours (widget)', url: () => '/widget', question: (id) => `[data-question-id="${id}"]` },
  ...RENDERERS.filter((renderer) => renderer.key !== 'ours'),
];
// A mid-range phone on a mobile network, as Lighthouse's mobile throttling
// has it: CPU 4× slower, 1.6 Mbit/s down, 750 kbit/s up, 150 ms round trip.
const PHONE = { cpuSlowdown: 4, downKbitPerS: 1600, upKbitPerS: 750, roundTripMs: 150, formSize: 50 };
// The floor for any renderer: a static page with one question in its HTML
// and no script (bench/pages/floor.html), measured like the others.
const FLOOR = { key: 'floor', name: 'one question in the HTML, no script', url: () => '/bench/pages/floor.html' };
const SHIPPED_TYPES = { 'text/html': 'html', 'text/javascript': 'js', 'text/css': 'css', 'application/wasm': 'wasm' };
const LOAD_TIMEOUT_MS = 180_000;
const TOGGLE_TIMEOUT_MS = 60_000;

function positiveIntegers(text, name) {
  const values = text.split(',').map((part) => Number(part.trim()));
  if (values.length === 0 || values.some((value) => !Number.isInteger(value) || value < 1)) {
    throw new Error(`${name} must be a positive whole number (or a comma-separated list of them), not "${text}"`);
  }
  return values;
}

const runCount = positiveIntegers(process.env.INTAKE_BENCH_RUNS ?? '7', 'INTAKE_BENCH_RUNS')[0];
const sizes = positiveIntegers(process.env.INTAKE_BENCH_SIZES ?? FORM_SIZES.join(','), 'INTAKE_BENCH_SIZES');

function lockedVersions() {
  const lock = JSON.parse(readFileSync(join(benchDir, 'package-lock.json'), 'utf8'));
  const version = (name) => lock.packages[`node_modules/${name}`]?.version ?? 'not installed';
  return Object.fromEntries(['survey-core', 'survey-js-ui', '@formio/js', 'playwright-core'].map((name) => [name, version(name)]));
}

/**
 * Which commit our build comes from, and whether the app's sources differ
 * from it; read when dist/ is read, since both may change during a run.
 */
function ourBuild(dist) {
  const git = (...args) => {
    try {
      return execFileSync('git', args, { cwd: repoDir, encoding: 'utf8' }).trim();
    } catch {
      return '';
    }
  };
  const commit = git('rev-parse', '--short', 'HEAD') || 'unknown';
  const changed = git('status', '--porcelain', '--', 'src', 'crates/engine', 'style', 'index.html', 'widget.html', 'Cargo.toml', 'Cargo.lock', '.cargo/config.toml') !== '';
  const files = ['/index.html', ...dist.referenced].map((path) => ({ path, bytes: dist.files.get(path).length }));
  // The public widget's first load, from its own build: what a phone on the
  // organisation's page downloads before the first question.
  const sized = ({ path, body }) => ({ path, bytes: body.length, gzip: gzipSize(path, body) });
  const widget = widgetFirstLoad(dist).map(sized);
  // Fetched once the form is on screen: the submission path.
  const widgetLater = widgetDeferred(dist).map(sized);
  return { commit, changed, files, widget, widgetLater, builtAt: dist.builtAt };
}

const gzipSizes = new Map();
function gzipSize(path, body) {
  const key = `${path}:${Buffer.byteLength(body)}`;
  if (!gzipSizes.has(key)) gzipSizes.set(key, gzipSync(body, { level: zlibConstants.Z_BEST_COMPRESSION }).length);
  return gzipSizes.get(key);
}

/** Sums the HTML, JavaScript, CSS and WebAssembly a page load received. */
function shippedBytes(responses) {
  const bytes = { raw: 0, gzip: 0, byType: { html: 0, js: 0, css: 0, wasm: 0 }, data: 0, files: [] };
  for (const { path, status, contentType, body } of responses) {
    // Chromium asks for a favicon on its own; it is not part of any renderer.
    if (path === '/favicon.ico') continue;
    const type = SHIPPED_TYPES[contentType];
    if (status !== 200 || type === undefined) {
      bytes.data += Buffer.byteLength(body);
      continue;
    }
    const raw = Buffer.byteLength(body);
    bytes.raw += raw;
    bytes.gzip += gzipSize(path, body);
    bytes.byType[type] += raw;
    bytes.files.push(path);
  }
  return bytes;
}

function differences(actual, expected) {
  const actualSet = new Set(actual);
  const expectedSet = new Set(expected);
  const missing = expected.filter((id) => !actualSet.has(id));
  const unexpected = actual.filter((id) => !expectedSet.has(id));
  return { missing, unexpected, equal: missing.length === 0 && unexpected.length === 0 && actual.length === expected.length };
}

function assertShown(renderer, form, actual, expected, when) {
  const { missing, unexpected, equal } = differences(actual, expected);
  if (!equal) {
    const list = (ids) => (ids.length > 8 ? `${ids.slice(0, 8).join(', ')}, ...` : ids.join(', ')) || 'none';
    throw new Error(`${renderer.name} shows ${actual.length} questions of ${form.name} ${when}, expected ${expected.length}; missing: ${list(missing)}; unexpected: ${list(unexpected)}`);
  }
}

/**
 * A page in `context` with the probe installed and every page error,
 * console error and request outside the local server collected in
 * `failures`, which the caller checks once it has measured.
 */
async function openProbedPage(context, server, renderer, initiallyShownCount) {
  const page = await context.newPage();
  const failures = [];
  page.on('pageerror', (error) => failures.push(`uncaught: ${error.message}`));
  page.on('console', (message) => { if (message.type() === 'error') failures.push(`console: ${message.text()}`); });
  page.on('request', (request) => { if (!request.url().startsWith(server.baseUrl)) failures.push(`request outside the local server: ${request.url()}`); });
  await page.addInitScript(installProbe, { renderer: renderer.key, initiallyShownCount });
  return { page, failures };
}

/**
 * One cold load of one form by one renderer: a fresh browser context, the
 * load, the heap, the two toggles, and checks that every step showed the
 * questions it should. Throws, naming the renderer and form, when a check
 * fails or the page reports an error.
 */
async function measureOnce(browser, server, form, renderer) {
  const allIds = form.questionIds;
  const dependents = new Set(form.dependentIds);
  const initiallyShown = allIds.filter((id) => !dependents.has(id));
  const context = await browser.newContext();
  try {
    const { page, failures } = await openProbedPage(context, server, renderer, initiallyShown.length);

    server.takeResponses();
    await page.goto(`${server.baseUrl}${renderer.url(form)}`);
    await page.waitForFunction(() => window.__bench.allQuestionsAt !== null, null, { timeout: LOAD_TIMEOUT_MS, polling: 100 });
    const [firstQuestionMs, allQuestionsMs] = await page.evaluate(() => [window.__bench.firstQuestionAt, window.__bench.allQuestionsAt]);
    const codeArrivedMs = await page.evaluate(lastCodeArrival);
    await page.waitForTimeout(SETTLE_MS);
    const bytes = shippedBytes(server.takeResponses());
    assertShown(renderer, form, await page.evaluate(() => window.__bench.shownIds()), initiallyShown, 'after loading');

    const cdp = await context.newCDPSession(page);
    await cdp.send('HeapProfiler.enable');
    await cdp.send('HeapProfiler.collectGarbage');
    const usage = await cdp.send('Runtime.getHeapUsage');
    await cdp.send('HeapProfiler.disable');
    await cdp.detach();
    const heap = { js: usage.usedSize, wasm: await page.evaluate(() => window.__bench.wasmMemoryBytes()), dom: usage.embedderHeapUsedSize ?? 0 };

    // With `bare`, a bare script makes the change instead of our app (see
    // armBareToggle), which must not see the click at all.
    const toggle = async (label, expectShown, expectedIds, when, { bare = false } = {}) => {
      await page.evaluate(({ options, bare }) => {
        if (bare) window.__bench.armBareToggle({ ids: options.dependentIds, show: options.expectShown });
        window.__bench.armToggle(options);
      }, { options: { dependentIds: form.dependentIds, expectShown, timeoutMs: TOGGLE_TIMEOUT_MS }, bare });
      await page.locator(renderer.question(form.master.id)).getByText(label, { exact: true }).click();
      const result = await page.evaluate(() => window.__bench.toggle);
      const who = bare ? 'a bare script on our page' : renderer.name;
      if (result.timedOut) {
        throw new Error(`${who}: after "${label}" on ${form.name}, ${result.stillWrong.length} dependent questions had not changed within ${TOGGLE_TIMEOUT_MS} ms (${result.stillWrong.slice(0, 5).join(', ')})`);
      }
      await page.waitForTimeout(SETTLE_MS);
      // Had the click reached our app, "Yes" would now be chosen, and the
      // figure would be the app's and not the bare script's.
      if (bare && await page.locator(renderer.question(form.master.id)).getByLabel(label, { exact: true }).isChecked()) {
        throw new Error(`${who} on ${form.name}: the click reached our app, which chose "${label}"`);
      }
      assertShown(renderer, form, await page.evaluate(() => window.__bench.shownIds()), expectedIds, when);
      return result;
    };
    const show = await toggle(form.master.yes, true, allIds, `after choosing "${form.master.yes}"`);
    const hide = await toggle(form.master.no, false, initiallyShown, `after choosing "${form.master.no}"`);
    const keystroke = await typeOneKey(page, renderer, form);

    // Ours only, last, since it leaves the page out of step with the app:
    // the same show and hide made by a bare script on our own elements, the
    // browser's floor for these changes on this page.
    const bare = renderer.key !== 'ours' ? null : {
      show: await toggle(form.master.yes, true, allIds, 'after a bare script showed the dependent questions', { bare: true }),
      hide: await toggle(form.master.yes, false, initiallyShown, 'after a bare script hid them', { bare: true }),
    };

    let definitionCheck = null;
    if (renderer.key === 'ours') {
      // Our preview's definition check: the generated forms must load with no warnings.
      const panel = page.locator('[data-testid="lint-problems"]');
      definitionCheck = (await panel.locator('summary').textContent()).trim();
      const warnings = await panel.locator('li.warning').count();
      if (warnings > 0) throw new Error(`${form.name} has ${warnings} warnings in our definition check: ${await panel.textContent()}`);
    }
    if (failures.length > 0) throw new Error(`${renderer.name} on ${form.name}:\n  ${failures.join('\n  ')}`);
    return { bytes, firstQuestionMs, codeArrivedMs, allQuestionsMs, show, hide, keystroke, heap, definitionCheck, bare };
  } finally {
    await context.close();
  }
}

/** Slows `page`'s CPU and network to PHONE's; resolves to its DevTools session. */
async function throttleLikeAPhone(context, page) {
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: PHONE.roundTripMs,
    downloadThroughput: (PHONE.downKbitPerS * 1000) / 8,
    uploadThroughput: (PHONE.upKbitPerS * 1000) / 8,
  });
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: PHONE.cpuSlowdown });
  return cdp;
}

/**
 * Runs in the page: when, from navigation start, the last script, style
 * sheet or WebAssembly file that arrived before the first question was
 * shown finished arriving (Resource Timing's responseEnd).
 */
function lastCodeArrival() {
  const shownAt = window.__bench.firstQuestionAt;
  return performance.getEntriesByType('resource')
    .filter((entry) => /\.(js|css|wasm)$/.test(new URL(entry.name).pathname) && entry.responseEnd <= shownAt)
    .reduce((latest, entry) => Math.max(latest, entry.responseEnd), 0);
}

/**
 * One cold load of the floor page (FLOOR), on this machine or, with
 * `phone`, under the phone profile's throttling: the time to its first
 * frame with the question.
 */
async function measureFloorOnce(browser, server, { phone }) {
  const context = await browser.newContext(phone ? { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true } : {});
  try {
    const { page, failures } = await openProbedPage(context, server, FLOOR, 1);
    if (phone) await throttleLikeAPhone(context, page);
    await page.goto(`${server.baseUrl}${FLOOR.url()}`, { timeout: LOAD_TIMEOUT_MS });
    await page.waitForFunction(() => window.__bench.firstQuestionAt !== null, null, { timeout: LOAD_TIMEOUT_MS, polling: 100 });
    const firstQuestionMs = await page.evaluate(() => window.__bench.firstQuestionAt);
    if (failures.length > 0) throw new Error(`the floor page:\n  ${failures.join('\n  ')}`);
    return firstQuestionMs;
  } finally {
    await context.close();
  }
}

/**
 * One cold load of the phone profile's form by one renderer under the
 * phone's CPU and network: the time to the first question, the bytes that
 * crossed the network, and the "Yes" toggle. Throws when a question the
 * form shows is missing after loading or the toggle never completes.
 */
async function measurePhoneOnce(browser, server, form, renderer) {
  const dependents = new Set(form.dependentIds);
  const initiallyShown = form.questionIds.filter((id) => !dependents.has(id));
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  try {
    const { page, failures } = await openProbedPage(context, server, renderer, initiallyShown.length);
    const cdp = await throttleLikeAPhone(context, page);
    let transferred = 0;
    cdp.on('Network.loadingFinished', (event) => { transferred += event.encodedDataLength; });

    await page.goto(`${server.baseUrl}${renderer.url(form)}`, { timeout: LOAD_TIMEOUT_MS });
    await page.waitForFunction(() => window.__bench.allQuestionsAt !== null, null, { timeout: LOAD_TIMEOUT_MS, polling: 100 });
    const firstQuestionMs = await page.evaluate(() => window.__bench.firstQuestionAt);
    const codeArrivedMs = await page.evaluate(lastCodeArrival);
    await page.waitForTimeout(SETTLE_MS * PHONE.cpuSlowdown);
    const transferredOnLoad = transferred;
    const shown = new Set(await page.evaluate(() => window.__bench.shownIds()));
    const missing = initiallyShown.filter((id) => !shown.has(id));
    if (missing.length > 0) throw new Error(`${renderer.name} (phone) lacks ${missing.length} questions of ${form.name} after loading: ${missing.slice(0, 5).join(', ')}`);

    await page.evaluate((options) => window.__bench.armToggle(options), { dependentIds: form.dependentIds, expectShown: true, timeoutMs: TOGGLE_TIMEOUT_MS });
    await page.locator(renderer.question(form.master.id)).getByText(form.master.yes, { exact: true }).click();
    const show = await page.evaluate(() => window.__bench.toggle);
    if (show.timedOut) throw new Error(`${renderer.name} (phone): after "${form.master.yes}" on ${form.name}, ${show.stillWrong.length} dependent questions had not appeared within ${TOGGLE_TIMEOUT_MS} ms`);
    if (failures.length > 0) throw new Error(`${renderer.name} (phone) on ${form.name}:\n  ${failures.join('\n  ')}`);
    return { firstQuestionMs, codeArrivedMs, transferred: transferredOnLoad, show };
  } finally {
    await context.close();
  }
}

/** The phone profile's runs, renderers rotating as in the desktop runs. */
async function measurePhone(browser, server, form) {
  server.setCompression(true);
  try {
    console.error(`bench: phone profile, checking ${PHONE_RENDERERS.length} renderers`);
    for (const renderer of PHONE_RENDERERS) await measurePhoneOnce(browser, server, form, renderer);
    const samples = Object.fromEntries(PHONE_RENDERERS.map((renderer) => [renderer.key, []]));
    const floor = [];
    for (let run = 0; run < runCount; run += 1) {
      console.error(`bench: phone profile, run ${run + 1} of ${runCount}`);
      for (let offset = 0; offset < PHONE_RENDERERS.length; offset += 1) {
        const renderer = PHONE_RENDERERS[(run + offset) % PHONE_RENDERERS.length];
        samples[renderer.key].push(await measurePhoneOnce(browser, server, form, renderer));
      }
      floor.push(await measureFloorOnce(browser, server, { phone: true }));
    }
    return { settings: PHONE, renderers: PHONE_RENDERERS.map(({ key, name }) => ({ key, name })), samples, floor, runCount, questionCount: form.questionCount, dependentCount: form.dependentIds.length };
  } finally {
    server.setCompression(false);
  }
}

async function main() {
  const dist = snapshotDist();
  const build = ourBuild(dist);
  const forms = sizes.map((size) => generateForm(size));
  const withPhone = process.env.INTAKE_BENCH_PHONE !== '0';
  const phoneForm = withPhone ? generateForm(PHONE.formSize) : null;
  const served = new Map();
  if (phoneForm) {
    // What the Unite US widget reads at start: the group's form, and no
    // service types (the form asks for none).
    served.set('unite-us-form-config.json', JSON.stringify({ data: { form: phoneForm.uniteUs.form, service_types: [] } }));
  }
  // The phone profile's peers read their form as the desktop runs do, so it
  // is served even when INTAKE_BENCH_SIZES leaves its size out.
  for (const form of phoneForm ? [...forms, phoneForm] : forms) {
    served.set(`${form.name}.json`, JSON.stringify(form.uniteUs));
    served.set(`${form.name}.surveyjs.json`, JSON.stringify(form.surveyJs));
    served.set(`${form.name}.formio.json`, JSON.stringify(form.formio));
  }
  const server = await startServer({ dist, forms: served });
  const loadWatch = watchLoad();
  // Plus exact heap figures in performance.memory.
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: [...CHROMIUM_FLAGS, '--enable-precise-memory-info'],
  });
  const startedAt = new Date();
  try {
    // One untimed pass checks every renderer on every form before anything
    // is measured (and warms the file cache, which every run then shares).
    console.error(`bench: checking ${forms.length} forms in ${RENDERERS.length} renderers`);
    const definitionChecks = {};
    for (const form of forms) {
      for (const renderer of RENDERERS) {
        const result = await measureOnce(browser, server, form, renderer);
        if (result.definitionCheck) definitionChecks[form.name] = result.definitionCheck;
      }
    }
    const samples = Object.fromEntries(forms.map((form) => [form.name, Object.fromEntries(RENDERERS.map((renderer) => [renderer.key, []]))]));
    const floor = [];
    for (let run = 0; run < runCount; run += 1) {
      console.error(`bench: run ${run + 1} of ${runCount}`);
      for (const form of forms) {
        // The order of renderers rotates from run to run, so none always
        // runs first (or right after the heaviest one).
        for (let offset = 0; offset < RENDERERS.length; offset += 1) {
          const renderer = RENDERERS[(run + offset) % RENDERERS.length];
          samples[form.name][renderer.key].push(await measureOnce(browser, server, form, renderer));
        }
      }
      floor.push(await measureFloorOnce(browser, server, { phone: false }));
    }
    const phone = phoneForm ? await measurePhone(browser, server, phoneForm) : null;
    const load = loadWatch.stop();
    const report = renderReport({
      renderers: RENDERERS.map(({ key, name }) => ({ key, name })),
      forms: forms.map((form) => ({ name: form.name, questionCount: form.questionCount, dependentCount: form.dependentIds.length, definitionCheck: definitionChecks[form.name] })),
      samples,
      floor,
      runCount,
      machine: describeMachine(browser.version()),
      versions: lockedVersions(),
      build,
      load,
      startedAt,
      phone,
    });
    console.log(report.text);
    mkdirSync(join(repoDir, 'docs'), { recursive: true });
    writeFileSync(join(repoDir, 'docs', 'benchmarks.md'), report.markdown);
    console.error('bench: wrote docs/benchmarks.md');
  } finally {
    loadWatch.stop();
    await browser.close();
    server.server.close();
  }
}

main().catch((error) => {
  console.error(`bench: ${error.stack ?? error}`);
  process.exit(1);
});
