// What the benchmark (bench/run.mjs) and the profiler (bench/profile.mjs)
// share: the renderers, the browser's flags, how long to let a page settle,
// and the keystroke measurement.

export const RENDERERS = [
  { key: 'ours', name: 'ours', url: (form) => `/preview?form=/bench-forms/${form.name}.json`, question: (id) => `[data-question-id="${id}"]` },
  { key: 'surveyjs', name: 'SurveyJS', url: (form) => `/bench/pages/surveyjs.html?form=/bench-forms/${form.name}.surveyjs.json`, question: (id) => `[data-name="${id}"]` },
  { key: 'formio', name: 'Form.io', url: (form) => `/bench/pages/formio.html?form=/bench-forms/${form.name}.formio.json`, question: (id) => `.formio-component-${id}` },
];

// The flags of tests/e2e/support.mjs.
export const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

// Long enough for deferred work (our draft is saved 400 ms after a change,
// Form.io debounces some of its own) to finish before the next measurement.
export const SETTLE_MS = 1000;

/**
 * One character typed into the form's first always-shown text question,
 * from the key to the frame after the one showing it. Throws when the
 * character did not arrive.
 */
export async function typeOneKey(page, renderer, form) {
  const dependents = new Set(form.dependentIds);
  const id = form.textIds.find((textId) => !dependents.has(textId));
  const input = page.locator(`${renderer.question(id)} input`).first();
  await input.focus();
  // The caret at the end, where a person goes on typing (a stored answer
  // may be there; focus alone leaves the caret where the renderer puts it).
  await page.keyboard.press('End');
  const before = await input.inputValue();
  await page.evaluate(() => window.__bench.armKeystroke());
  await page.keyboard.press('x');
  const result = await page.evaluate(() => window.__bench.keystroke);
  await page.waitForTimeout(SETTLE_MS);
  if ((await input.inputValue()) !== `${before}x`) throw new Error(`${renderer.name}: the key typed into ${id} did not arrive`);
  return result;
}
