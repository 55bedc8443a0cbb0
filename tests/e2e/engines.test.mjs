// The journeys that matter most, in the two engines beside Chromium that
// people use: Firefox ESR (many staff desks) and WebKitGTK (the engine of
// Safari and of every browser on an iPhone), on the release build, against
// the sandbox and the gateway. One codebase through ./engines/driver.mjs.
// Prints, per engine, journeys passed and axe-core states and violations.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startSandbox, startDemoHost } from './support.mjs';
import { ENGINES, launchEngine } from './engines/driver.mjs';

let sandbox, demoHost;
const summary = new Map();

before(async () => {
  sandbox = await startSandbox();
  demoHost = await startDemoHost(sandbox.baseUrl);
});

after(async () => {
  demoHost?.server.close();
  await sandbox?.stop();
  console.log('engines (journeys passed, axe-core states audited, violations):');
  for (const [engine, row] of summary) {
    console.log(`  ${engine.padEnd(34)} ${String(row.passed).padStart(2)}/${row.journeys} journeys  ${String(row.states).padStart(3)} axe states  ${row.violations} violations`);
  }
});

for (const engineName of ENGINES) {
  describe(engineName, () => {
    let engine;
    const row = { journeys: 0, passed: 0, states: 0, violations: 0 };

    before(async () => {
      engine = await launchEngine(engineName);
    });
    after(async () => {
      summary.set(`${engineName} (${engine?.version ?? 'did not start'})`, row);
      await engine?.close();
    });
    beforeEach(async () => {
      await sandbox.reset();
    });

    async function expectAccessible(page, state) {
      const violations = await page.axe();
      row.states += 1;
      row.violations += violations.length;
      assert.deepEqual(violations, [], `axe-core violations in ${engineName}, ${state}`);
    }

    /** A journey: counted, and its page closed whatever happens. */
    function journey(name, body) {
      test(name, async () => {
        row.journeys += 1;
        const page = await engine.newPage();
        try {
          await body(page);
          row.passed += 1;
        } finally {
          await page.close();
        }
      });
    }

    const focusedQuestion = (page) => page.evaluate(() => document.activeElement?.closest('[data-question-id]')?.dataset.questionId ?? null);
    async function tabTo(page, questionId) {
      for (let presses = 0; presses < 40 && (await focusedQuestion(page)) !== questionId; presses += 1) await page.press('Tab');
      assert.equal(await focusedQuestion(page), questionId, `Tab never reached ${questionId}`);
    }
    async function tabToSubmit(page) {
      for (let presses = 0; presses < 40 && (await page.evaluate(() => document.activeElement?.type)) !== 'submit'; presses += 1) await page.press('Tab');
      assert.equal(await page.evaluate(() => document.activeElement?.type), 'submit', 'Tab never reached the submit button');
    }
    /** A date typed as a person does, with its separators (WebKit's date field moves on at a slash, not after two digits). */
    async function typeDate(page, questionId, iso) {
      const [year, month, day] = iso.split('-');
      await page.type(`${month}/${day}/${year}`);
      const value = await page.evaluate((id) => document.querySelector(`[data-question-id="${id}"] input`).value, questionId);
      assert.equal(value, iso, `the date field took ${month}/${day}/${year} as typed`);
    }

    journey('the assistance request is completed by keyboard alone in the preview, with its exact form_response', async (page) => {
      await page.goto(`${sandbox.baseUrl}/preview?form=/forms/assistance-request.json`);
      await page.waitForSelector('[data-question-id="first-name"] input');
      await expectAccessible(page, 'preview untouched');
      await tabTo(page, 'first-name'); await page.type('Maria');
      await tabTo(page, 'last-name'); await page.type('Garcia');
      await tabTo(page, 'date-of-birth'); await typeDate(page, 'date-of-birth', '1985-04-12');
      await tabTo(page, 'phone'); await page.type('5550100');
      await tabTo(page, 'email'); await page.type('maria@example.org');
      await tabTo(page, 'contact-preference'); await page.press('Space');
      await tabTo(page, 'postal-code'); await page.type('10001');
      await tabTo(page, 'need'); await page.press('ArrowDown');
      await tabTo(page, 'description'); await page.type('We have no food until Friday.');
      await tabTo(page, 'urgent'); await page.press('Space');
      await page.waitForSelector('[data-question-id="urgent-why"] textarea, [data-question-id="urgent-why"] input');
      await tabTo(page, 'urgent-why'); await page.type('Payday is next week.');
      await tabTo(page, 'consent-given'); await page.press('Space');
      await tabToSubmit(page);
      await page.press('Enter');
      const response = JSON.parse(await page.text('[data-testid="form-response"]'));
      const byQuestion = Object.fromEntries(response.map((entry) => [entry.question_id, entry.response_value]));
      assert.deepEqual(byQuestion, {
        'first-name': 'Maria', 'last-name': 'Garcia', 'date-of-birth': 482112000, phone: '5550100', email: 'maria@example.org',
        'contact-preference': 'contact-phone', 'postal-code': '10001', need: 'st-food-assistance', description: 'We have no food until Friday.',
        urgent: 'urgent-yes', 'urgent-why': 'Payday is next week.', 'consent-given': 'true',
      });
      assert.equal(await page.evaluate(() => document.querySelector('[data-testid="error-summary"]') === null || document.querySelector('[data-testid="error-summary"]').hidden), true);
      await expectAccessible(page, 'preview completed');
    });

    journey('an empty attempt shows the error summary with focus, and its links take focus to the question', async (page) => {
      await page.goto(`${sandbox.baseUrl}/preview?form=/forms/assistance-request.json`);
      await page.waitForSelector('[data-question-id="first-name"] input');
      await tabToSubmit(page);
      await page.press('Enter');
      await page.waitFor(() => document.activeElement?.dataset?.testid === 'error-summary');
      assert.match(await page.text('[data-testid="error-summary"]'), /There is a problem/);
      await expectAccessible(page, 'preview with errors');
      // The first link, by keyboard: focus goes to the question it names.
      await page.press('Tab');
      const target = await page.evaluate(() => document.activeElement?.getAttribute('href'));
      assert.match(target ?? '', /^#/, 'the first Tab from the summary is its first link');
      await page.press('Enter');
      await page.waitFor((href) => document.activeElement?.id === href.slice(1), target);
      assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-invalid')), 'true');
    });

    journey('in Spanish the preview speaks Spanish, errors included; a right-to-left language turns the page', async (page) => {
      await page.goto(`${sandbox.baseUrl}/preview?form=/forms/assistance-request.json&lang=es`);
      await page.waitForSelector('[data-question-id="first-name"] label');
      assert.equal(await page.evaluate(() => document.documentElement.lang), 'es');
      assert.match(await page.text('[data-question-id="first-name"] label'), /^Nombre/);
      await page.click('.intake-form button[type="submit"]');
      await page.waitFor(() => document.activeElement?.dataset?.testid === 'error-summary');
      assert.match(await page.text('[data-testid="error-summary"]'), /Hay un problema/);
      await expectAccessible(page, 'preview in Spanish with errors');
      await page.goto(`${sandbox.baseUrl}/preview?form=/forms/assistance-request.json&lang=ar`);
      await page.waitForSelector('[data-question-id="first-name"] label');
      assert.equal(await page.evaluate(() => document.documentElement.dir), 'rtl');
      await expectAccessible(page, 'preview right to left');
    });
  });
}
