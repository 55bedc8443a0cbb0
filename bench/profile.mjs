// Where the time goes: Chromium traces of one cold load of a generated form
// (bench/generate.mjs), to the first frame with a question; of the "Yes"
// toggle, from the click to the frame after the change; and of one
// character typed into a text question, to the frame after it. Each is
// split into script, style, layout and paint on the page's main thread
// (self time), other work there, and idle (waiting for the network, a
// timer or the next frame). The benchmark
// (bench/run.mjs) says how long each takes; this says why.
//
// Run after a release build: `node bench/profile.mjs [SIZE] [RENDERER]`
// (default 1000 questions, ours; RENDERER is ours, surveyjs or formio).
// INTAKE_PROFILE_RUNS (default 3) cold runs; the median of each figure is
// printed.

import { chromium } from 'playwright-core';
import { generateForm } from './generate.mjs';
import { installProbe } from './probe.mjs';
import { snapshotDist, startServer } from './server.mjs';
import { CHROMIUM_FLAGS, RENDERERS, SETTLE_MS, typeOneKey } from './measure.mjs';


// Trace events by what they are. Time is counted once, in the innermost
// event (self time): a forced style recalculation inside a script counts as
// style, not script.
const KINDS = {
  script: ['FunctionCall', 'EventDispatch', 'TimerFire', 'FireAnimationFrame', 'FireIdleCallback', 'v8.callFunction',
    'v8.run', 'v8.compile', 'V8.CompileCode', 'EvaluateScript', 'RunMicrotasks', 'V8.RunMicrotasks', 'v8.execute',
    'MinorGC', 'MajorGC', 'V8.GC_SCAVENGER', 'BlinkGC.AtomicPhase', 'ParseHTML', 'HitTest'],
  style: ['UpdateLayoutTree', 'RecalculateStyles', 'ScheduleStyleRecalculation', 'ParseAuthorStyleSheet'],
  layout: ['Layout', 'UpdateLayout', 'IntersectionObserverController::computeIntersections'],
  paint: ['PrePaint', 'Paint', 'PaintImage', 'Layerize', 'UpdateLayer', 'UpdateLayerTree', 'CompositeLayers', 'Commit',
    'RasterTask', 'Decode LazyPixelRef'],
};
const KIND_OF = new Map(Object.entries(KINDS).flatMap(([kind, names]) => names.map((name) => [name, kind])));

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function readTrace(cdp) {
  const done = new Promise((resolve) => cdp.once('Tracing.tracingComplete', resolve));
  await cdp.send('Tracing.end');
  const { stream } = await done;
  let text = '';
  for (;;) {
    const chunk = await cdp.send('IO.read', { handle: stream });
    text += chunk.base64Encoded ? Buffer.from(chunk.data, 'base64').toString() : chunk.data;
    if (chunk.eof) break;
  }
  await cdp.send('IO.close', { handle: stream });
  const parsed = JSON.parse(text);
  return Array.isArray(parsed) ? parsed : parsed.traceEvents;
}

/**
 * Self time by kind on the renderer's main thread, in ms, for the events
 * inside [fromUs, toUs] (trace clock, microseconds).
 */
function breakdown(events, fromUs, toUs) {
  const threadNames = new Map();
  for (const event of events) {
    if (event.ph === 'M' && event.name === 'thread_name') threadNames.set(`${event.pid}:${event.tid}`, event.args.name);
  }
  const main = events.filter((event) => event.ph === 'X' && threadNames.get(`${event.pid}:${event.tid}`) === 'CrRendererMain'
    && event.ts >= fromUs && event.ts + (event.dur ?? 0) <= toUs);
  main.sort((a, b) => a.ts - b.ts || b.dur - a.dur);
  const totals = { script: 0, style: 0, layout: 0, paint: 0, other: 0 };
  const byName = new Map();
  // A stack of open events; each event's self time is its duration less
  // its children's.
  const stack = [];
  const close = (until) => {
    while (stack.length > 0 && stack[stack.length - 1].end <= until) {
      const done = stack.pop();
      totals[done.kind] += done.self / 1000;
      byName.set(done.name, (byName.get(done.name) ?? 0) + done.self / 1000);
    }
  };
  for (const event of main) {
    close(event.ts);
    const kind = KIND_OF.get(event.name) ?? (stack.length > 0 ? stack[stack.length - 1].kind : 'other');
    if (stack.length > 0) stack[stack.length - 1].self -= event.dur;
    stack.push({ kind, name: event.name, end: event.ts + event.dur, self: event.dur });
  }
  close(Infinity);
  if (process.env.INTAKE_PROFILE_NAMES) {
    const top = [...byName].sort((a, b) => b[1] - a[1]).slice(0, 12);
    console.error(top.map(([name, ms]) => `${name} ${ms.toFixed(1)}`).join(', '));
  }
  return totals;
}

async function profileOnce(browser, server, form, renderer) {
  const dependents = new Set(form.dependentIds);
  const initiallyShown = form.questionIds.filter((id) => !dependents.has(id));
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.addInitScript(installProbe, { renderer: renderer.key, initiallyShownCount: initiallyShown.length });
    const cdp = await context.newCDPSession(page);
    const traced = async (act, measure) => {
      await cdp.send('Tracing.start', { categories: process.env.INTAKE_PROFILE_CATEGORIES ?? 'devtools.timeline,disabled-by-default-devtools.timeline,blink.user_timing', transferMode: 'ReturnAsStream' });
      const result = await act();
      await page.waitForTimeout(300);
      // The trace clock and the page's clock differ: a mark on both ties them.
      const markAt = await page.evaluate(() => { performance.mark('intake-profile'); return performance.timeOrigin + performance.now(); });
      const events = await readTrace(cdp);
      const mark = events.find((event) => event.name === 'intake-profile');
      // Page time (ms since its time origin) to trace time (µs).
      const toTrace = (pageMs) => mark.ts + (pageMs - (markAt - result.timeOrigin)) * 1000;
      const from = toTrace(result.startedAt);
      const to = toTrace(result.startedAt + measure(result));
      const busy = breakdown(events, from, to);
      const total = measure(result);
      const idle = total - Object.values(busy).reduce((sum, ms) => sum + ms, 0);
      return { ...busy, idle, total };
    };
    // The load: from navigation start to the first frame with a question.
    const load = await traced(async () => {
      await page.goto(`${server.baseUrl}${renderer.url(form)}`);
      await page.waitForFunction(() => window.__bench.allQuestionsAt !== null, null, { timeout: 180_000, polling: 100 });
      return page.evaluate(() => ({ startedAt: 0, nextFrameMs: window.__bench.firstQuestionAt, timeOrigin: performance.timeOrigin }));
    }, (result) => result.nextFrameMs);
    await page.waitForTimeout(SETTLE_MS);
    const toggle = await traced(async () => {
      await page.evaluate((options) => window.__bench.armToggle(options), { dependentIds: form.dependentIds, expectShown: true, timeoutMs: 60_000 });
      await page.locator(renderer.question(form.master.id)).getByText(form.master.yes, { exact: true }).click();
      return page.evaluate(async () => ({ ...(await window.__bench.toggle), startedAt: window.__bench.clickAt, timeOrigin: performance.timeOrigin }));
    }, (result) => result.nextFrameMs);
    await page.waitForTimeout(SETTLE_MS);
    // One keystroke in the first always-shown text question: the trace's
    // window runs from the key to the frame after it.
    const keystroke = await traced(async () => ({
      ...(await typeOneKey(page, renderer, form)),
      ...(await page.evaluate(() => ({ startedAt: window.__bench.keyAt, timeOrigin: performance.timeOrigin }))),
    }), (result) => result.nextFrameMs);
    await cdp.detach();
    return { load, toggle, keystroke };
  } finally {
    await context.close();
  }
}

async function main() {
  const size = Number(process.argv[2] ?? 1000);
  const rendererKey = process.argv[3] ?? 'ours';
  const renderer = RENDERERS.find(({ key }) => key === rendererKey);
  if (!renderer) throw new Error(`unknown renderer ${rendererKey}: ${RENDERERS.map(({ key }) => key).join(', ')}`);
  const runs = Number(process.env.INTAKE_PROFILE_RUNS ?? 3);
  const form = generateForm(size);
  const served = new Map([
    [`${form.name}.json`, JSON.stringify(form.uniteUs)],
    [`${form.name}.surveyjs.json`, JSON.stringify(form.surveyJs)],
    [`${form.name}.formio.json`, JSON.stringify(form.formio)],
  ]);
  const server = await startServer({ dist: snapshotDist(), forms: served });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: CHROMIUM_FLAGS,
  });
  try {
    const samples = [];
    for (let run = 0; run < runs; run += 1) samples.push(await profileOnce(browser, server, form, renderer));
    for (const what of ['load', 'toggle', 'keystroke']) {
      const figures = ['total', 'script', 'style', 'layout', 'paint', 'other', 'idle']
        .map((key) => `${key} ${median(samples.map((sample) => sample[what][key])).toFixed(1)}`);
      console.log(`${rendererKey}, ${size} questions, ${what} (ms, median of ${runs}): ${figures.join(', ')}`);
    }
  } finally {
    await browser.close();
    server.server.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
