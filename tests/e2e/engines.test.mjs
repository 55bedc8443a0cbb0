// The journeys that matter most, in the two engines beside Chromium that
// people use: Firefox ESR (many staff desks) and WebKitGTK (the engine of
// Safari and of every browser on an iPhone), on the release build, against
// the sandbox and the gateway. One codebase through ./engines/driver.mjs.
// Prints, per engine, journeys passed and axe-core states and violations.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startSandbox, startDemoHost, widgetAnswers } from './support.mjs';
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

const focusedQuestion = (page) => page.evaluate(() => document.activeElement?.closest('[data-question-id]')?.dataset.questionId ?? null);
// `page` may be an iframe's document: its presses go to the whole page, and focus crosses into the frame.
async function tabTo(page, questionId) {
  for (let presses = 0; presses < 60 && (await focusedQuestion(page)) !== questionId; presses += 1) await page.press('Tab');
  assert.equal(await focusedQuestion(page), questionId, `Tab never reached ${questionId}`);
}
async function tabToMatch(page, selector) {
  const matches = () => page.evaluate((wanted) => Boolean(document.activeElement?.matches(wanted)), selector);
  for (let presses = 0; presses < 80 && !(await matches()); presses += 1) await page.press('Tab');
  assert.ok(await matches(), `Tab never reached ${selector}`);
}
const tabToSubmit = (page) => tabToMatch(page, 'button[type="submit"]');
/** A date typed as a person does, with its separators (WebKit's date field moves on at a slash, not after two digits). */
async function typeDate(page, questionId, iso) {
  const [year, month, day] = iso.split('-');
  await page.type(month); await page.press('Tab');
  await page.type(day); await page.press('Tab');
  await page.type(year);
  const values = await page.evaluate((id) => [...document.querySelectorAll(`[data-question-id="${id}"] input`)].map((input) => input.value), questionId);
  assert.deepEqual(values, [month, day, year], `the date's month, day and year fields took ${month} ${day} ${year} as typed`);
}

/**
 * Answers the demo widget by keyboard, in the page or frame `widget`, in the order
 * Tab takes (Firefox, once focus has wrapped round through its own window, takes a
 * Space as no click); the signature is left to the journey.
 */
async function answerWidgetByKeyboard(widget) {
  const keys = { 'contact-preference': 'Space', need: 'ArrowDown', 'consent-given': 'Space', 'intake.person.address.address_type': 'Space' };
  const order = await widget.evaluate(() => [...document.querySelectorAll('[data-question-id]')].map((question) => question.dataset.questionId));
  for (const id of order) {
    if (widgetAnswers[id] === undefined && keys[id] === undefined) continue;
    await tabTo(widget, id);
    if (keys[id]) await widget.press(keys[id]);
    else if (id === 'date-of-birth') await typeDate(widget, id, widgetAnswers[id]);
    else await widget.type(widgetAnswers[id]);
  }
}

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

    journey('the housing and food screener is completed by keyboard alone across its steps and review', async (page) => {
      await page.goto(`${sandbox.baseUrl}/preview?form=/forms/housing-food-screener.json`);
      await page.waitForSelector('[data-question-id="housing-situation"] input');
      const progress = () => page.text('[data-testid="progress"]');
      assert.equal(await progress(), 'Step 1 of 3');
      await tabTo(page, 'housing-situation');
      await page.press('Space');
      await page.press('ArrowDown');
      await page.press('ArrowDown'); // "I do not have a steady place to live"
      await tabTo(page, 'where-sleeping');
      await page.press('ArrowDown'); // Shelter
      await tabToSubmit(page);
      await page.press('Enter');
      await page.waitFor(() => document.querySelector('[data-testid="progress"]')?.textContent === 'Step 2 of 3');
      await expectAccessible(page, 'screener step 2');
      await tabToSubmit(page);
      await page.press('Enter');
      await page.waitFor(() => document.activeElement?.dataset?.testid === 'error-summary');
      assert.match(await page.text('[data-testid="error-summary"]'), /How many people live in your household/);
      await expectAccessible(page, 'screener step 2 with errors');
      await tabTo(page, 'food-worry'); await page.press('Space');
      await tabTo(page, 'household-size'); await page.type('4');
      await tabTo(page, 'children-count'); await page.type('2');
      await tabTo(page, 'benefits'); await page.press('Space');
      await tabToSubmit(page);
      await page.press('Enter');
      await page.waitFor(() => document.querySelector('[data-testid="progress"]')?.textContent === 'Step 3 of 3');
      const review = await page.text('[data-testid="review"]');
      for (const answer of [/I do not have a steady place to live/, /Shelter/, /SNAP/]) assert.match(review, answer);
      await expectAccessible(page, 'screener review');
      await tabToSubmit(page);
      await page.press('Enter');
      await page.waitFor(() => /Every answer is valid/.test(document.querySelector('[data-testid="form-status"]')?.textContent ?? ''));
      const response = JSON.parse(await page.text('[data-testid="form-response"]'));
      assert.deepEqual(Object.fromEntries(response.map((entry) => [entry.question_id, entry.response_value])), {
        'housing-situation': 'none', 'where-sleeping': 'shelter', 'food-worry': 'often', 'household-size': '4', 'children-count': '2', benefits: ['snap'],
      });
    });

    journey('the every-input-type form is completed by keyboard alone', async (page) => {
      await page.goto(`${sandbox.baseUrl}/preview?form=/forms/every-input-type.json`);
      await page.waitForSelector('[data-question-id="text"] input');
      const value = (id, nth = 0) => page.evaluate((question, index) => document.querySelectorAll(`[data-question-id="${question}"] input`)[index].value, id, nth);
      await tabTo(page, 'text'); await page.type('Hello');
      await tabTo(page, 'textarea'); await page.type('Line one');
      await tabTo(page, 'number'); await page.type('5');
      await tabTo(page, 'decimal'); await page.type('12.5');
      await tabTo(page, 'seven'); await page.type('7');
      await tabTo(page, 'email'); await page.type('a@example.org');
      await tabTo(page, 'tel'); await page.type('555 0100');
      await tabTo(page, 'url'); await page.type('https://example.org');
      await tabTo(page, 'time'); await page.type('09:30 AM');
      assert.equal(await value('time'), '09:30', 'the time field took 09:30 AM as typed');
      await tabTo(page, 'date'); await typeDate(page, 'date', '2024-03-05');
      await tabTo(page, 'duration'); await page.type('01/01/2024');
      assert.equal(await value('duration', 0), '2024-01-01');
      const onEndDate = () => page.evaluate(() => document.activeElement === document.querySelectorAll('[data-question-id="duration"] input')[1]);
      for (let presses = 0; presses < 6 && !(await onEndDate()); presses += 1) await page.press('Tab');
      assert.ok(await onEndDate(), 'Tab reached the end date');
      await page.type('01/31/2024');
      assert.equal(await value('duration', 1), '2024-01-31');
      await tabTo(page, 'single-select'); await page.press('ArrowDown');
      await tabTo(page, 'multi-select'); await page.press('Space'); await page.press('Tab'); await page.press('Space');
      await tabTo(page, 'radio'); await page.press('Space');
      await tabTo(page, 'checkbox-list'); await page.press('Space');
      await tabTo(page, 'single-checkbox'); await page.press('Space');
      await tabToSubmit(page);
      await page.press('Enter');
      await page.waitFor(() => /Every answer is valid/.test(document.querySelector('[data-testid="form-status"]')?.textContent ?? ''));
      const response = JSON.parse(await page.text('[data-testid="form-response"]'));
      assert.deepEqual(Object.fromEntries(response.map((entry) => [entry.question_id, entry.response_value])), {
        text: 'Hello', textarea: 'Line one', number: '5', decimal: '12.5', seven: '7', email: 'a@example.org', tel: '555 0100',
        url: 'https://example.org', time: '09:30', date: 1709596800, duration: [1704067200, 1706659200], 'single-select': 's-a',
        'multi-select': ['m-a', 'm-b'], radio: 'r-a', 'checkbox-list': ['c-a'], 'single-checkbox': 'true',
      });
      await expectAccessible(page, 'every input type, completed');
    });

    journey('an empty attempt shows the error summary with focus, and its links take focus to the question', async (page) => {
      await page.goto(`${sandbox.baseUrl}/preview?form=/forms/assistance-request.json`);
      await page.waitForSelector('[data-question-id="first-name"] input');
      await tabToSubmit(page);
      await page.press('Enter');
      await page.waitFor(() => document.activeElement?.dataset?.testid === 'error-summary');
      assert.match(await page.text('[data-testid="error-summary"]'), /There is a problem/);
      await page.waitFor(() => document.title.startsWith('Error: '));
      await expectAccessible(page, 'preview with errors');
      // The first link, by keyboard: focus goes to the question it names.
      await page.press('Tab');
      const target = await page.evaluate(() => document.activeElement?.getAttribute('href'));
      assert.match(target ?? '', /^#/, 'the first Tab from the summary is its first link');
      await page.press('Enter');
      await page.waitFor((href) => document.activeElement?.id === href.slice(1), target);
      assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-invalid')), 'true');
    });

    journey('in Spanish the preview speaks Spanish, errors included; a right-to-left language turns the page where the form speaks it', async (page) => {
      await page.goto(`${sandbox.baseUrl}/preview?form=/forms/assistance-request.json&lang=es`);
      await page.waitForSelector('[data-question-id="first-name"] label');
      assert.equal(await page.evaluate(() => document.documentElement.lang), 'es');
      assert.match(await page.text('[data-question-id="first-name"] label'), /^Nombre/);
      await page.click('.intake-form button[type="submit"]');
      await page.waitFor(() => document.activeElement?.dataset?.testid === 'error-summary');
      assert.match(await page.text('[data-testid="error-summary"]'), /Hay un problema/);
      await expectAccessible(page, 'preview in Spanish with errors');
      const claimed = () => page.evaluate(() => [document.documentElement.lang, document.documentElement.dir]);
      // The demo form has no Arabic: the page is English, and says so.
      await page.goto(`${sandbox.baseUrl}/preview?form=/forms/assistance-request.json&lang=ar`);
      await page.waitForSelector('[data-question-id="first-name"] label');
      assert.deepEqual(await claimed(), ['en', 'ltr']);
      // A definition with Arabic words turns the page right to left.
      await page.goto(`${sandbox.baseUrl}/preview?lang=ar`);
      await page.waitForSelector('#pasted-definition');
      await page.evaluate((text) => {
        const box = document.getElementById('pasted-definition');
        box.value = text;
        box.dispatchEvent(new Event('input', { bubbles: true }));
      }, JSON.stringify({ form: { id: 'arabic', name: 'Help', sections: [{ id: 's', questions: [
        { id: 'need', input_type: 'text', label_text: 'What do you need?', translations: { ar: { label_text: 'ماذا تحتاج؟' } } }] }] } }));
      await page.click('#pasted-definition ~ button[type="submit"]');
      await page.waitForSelector('[data-question-id="need"] label');
      assert.deepEqual(await claimed(), ['ar', 'rtl']);
      await expectAccessible(page, 'preview right to left');
    });

    async function hostHeardSubmitted(page, widget) {
      await page.waitFor(() => document.getElementById('thanks')?.textContent.includes('your reference is'), { timeout: 20000 });
      const thanks = await page.text('#thanks');
      const reference = await widget.text('[data-testid="reference"]');
      assert.ok(thanks.includes(reference), 'the host page got the reference');
      assert.ok(!thanks.includes('Rosa'), 'and no answer');
      const requests = await sandbox.records('unite_us', 'assistance_request');
      assert.equal(requests.length, 1, 'one assistance request landed');
      assert.equal(requests[0].body.requestor.first_name, 'Rosa');
      assert.match(requests[0].body.consent.signature_image, /^iVBORw0KGgo/, 'the signature arrives as a base64 PNG');
    }

    journey('embedded on another origin, completed by keyboard alone with a typed signature: one record, the host hears only the reference', async (page) => {
      await page.goto(demoHost.url);
      const widget = await page.frame('iframe[data-intake-frame]');
      await widget.waitForSelector('[data-question-id="first-name"] input');
      await answerWidgetByKeyboard(widget);
      await tabTo(widget, 'intake.consent.signature_image');
      await tabToMatch(widget, '.signature input[type=text]');
      await widget.type('Rosa Diaz');
      await widget.waitFor(() => document.body.textContent.includes('Signed. Clear it to sign again.'));
      assert.equal(await page.evaluate(() => {
        try { return Boolean(document.querySelector('iframe[data-intake-frame]').contentDocument); } catch { return false; }
      }), false, 'the host page cannot reach into the form');
      await expectAccessible(widget, 'embedded widget, signed by typing');
      await tabToSubmit(widget);
      await widget.press('Enter');
      await hostHeardSubmitted(page, widget);
      await expectAccessible(widget, 'embedded widget, sent');
    });

    journey('embedded on another origin, signed by drawing with the pointer: one record', async (page) => {
      await page.goto(demoHost.url);
      const widget = await page.frame('iframe[data-intake-frame]');
      await widget.waitForSelector('[data-question-id="first-name"] input');
      await answerWidgetByKeyboard(widget);
      await widget.waitForSelector('[data-testid="signature-pad"]');
      // The host fits the frame to the whole form, so it is the host page that scrolls the pad into view.
      const padTop = await widget.evaluate(() => document.querySelector('[data-testid="signature-pad"]').getBoundingClientRect().top);
      await page.evaluate((top) => {
        const frame = document.querySelector('iframe[data-intake-frame]');
        window.scrollTo(0, window.scrollY + frame.getBoundingClientRect().top + top - window.innerHeight / 3);
      }, padTop);
      const points = Array.from({ length: 14 }, (_, step) => [20 + step * 18, 60 - Math.round(Math.sin(step) * 25)]);
      await widget.draw('[data-testid="signature-pad"]', points);
      await widget.waitFor(() => document.body.textContent.includes('Signed. Clear it to sign again.'));
      await widget.click('.intake-form button[type="submit"]');
      await hostHeardSubmitted(page, widget);
    });

    journey('sent while the service cannot be reached, a widget request waits on the device and goes at the next visit', async (page) => {
      await page.goto(`${sandbox.baseUrl}/widget`);
      await page.waitForSelector('[data-question-id="first-name"] input');
      await answerWidgetByKeyboard(page);
      await tabToMatch(page, '.signature input[type=text]');
      await page.type('Rosa Diaz');
      await page.waitFor(() => document.body.textContent.includes('Signed. Clear it to sign again.'));
      // The engines cannot all be told to go offline; a service that keeps failing is
      // the same to the page, which keeps the request and tries again later.
      await sandbox.fault({ route: 'POST /unite_us/v3/widgets/assistance_requests', fault: '500', count: 1000 });
      await page.click('.intake-form button[type="submit"]');
      await page.waitForSelector('[data-testid="saved-on-device"]');
      await page.goto('about:blank');
      assert.equal((await sandbox.records('unite_us', 'assistance_request')).length, 0);
      await sandbox.clearFaults();
      await page.goto(`${sandbox.baseUrl}/widget`);
      await page.waitForSelector('[data-question-id="first-name"] input');
      await page.waitFor(() => !localStorage.getItem('intake-outbox'), { timeout: 40000 });
      const requests = await sandbox.records('unite_us', 'assistance_request');
      assert.equal(requests.length, 1, 'the stored request went at the next visit, once');
      assert.equal(requests[0].body.requestor.first_name, 'Rosa');
    });

    journey('on a slow connection, presses made while the later parts are still coming wait for them once: one request', async (page) => {
      // The later chunk (checking, the signature pad, sending) is held back by the server.
      await sandbox.fault({ route: 'GET /widget/split_later-', fault: 'latency', latency_ms: 15000, count: 1 });
      await page.goto(`${sandbox.baseUrl}/widget`);
      await page.waitForSelector('[data-question-id="first-name"] input');
      await answerWidgetByKeyboard(page);
      await tabToSubmit(page);
      await page.press('Enter');
      await page.press('Enter');
      await page.press('Enter');
      await page.waitFor(() => document.querySelector('.intake-form button[type="submit"]')?.textContent.includes('Checking'));
      assert.equal(await page.evaluate(() => document.querySelector('.intake-form button[type="submit"]').getAttribute('aria-disabled')), 'true',
        'the button says it waits');
      await expectAccessible(page, 'a press waits for the later parts');
      // The signature is optional here: once the parts arrive, the waiting press sends.
      await page.waitForSelector('[data-testid="submitted"]', 30000);
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.equal((await sandbox.records('unite_us', 'assistance_request')).length, 1, 'three presses, one request');
    });

    journey('staff sign in, find a seeded person, and update them by keyboard: one record changed', async (page) => {
      await page.goto(`${sandbox.baseUrl}/staff?config=/config/caspen-staff.json`);
      await page.waitForSelector('#staff-token');
      await expectAccessible(page, 'staff sign-in');
      await tabToMatch(page, '#staff-token');
      await page.type('demo-staff-token');
      await page.press('Enter');
      await page.waitForSelector('[data-testid="find-person"]');
      await tabToMatch(page, '#find-first'); await page.type('Maria');
      await tabToMatch(page, '#find-last'); await page.type('Garcia');
      await page.press('Enter');
      await page.waitForSelector('[data-testid="search-results"] [data-person-id]');
      await expectAccessible(page, 'staff search results');
      await tabToMatch(page, '[data-person-id]');
      await page.press('Enter');
      await page.waitForSelector('[data-question-id="email"] input');
      const before = (await sandbox.records('caspen', 'client')).filter((record) => record.body.first_name === 'Maria');
      assert.equal(before.length, 1);
      await tabTo(page, 'email');
      await page.evaluate(() => document.activeElement.select());
      await page.type('maria.new@example.org');
      await page.waitFor(() => /maria\.new@example\.org/.test(document.querySelector('[data-testid="changes"]')?.textContent ?? ''));
      await expectAccessible(page, 'staff editing');
      await tabToSubmit(page);
      await page.press('Enter');
      await page.waitForSelector('[data-testid="submitted"]');
      const after = (await sandbox.records('caspen', 'client')).filter((record) => record.body.first_name === 'Maria');
      assert.equal(after.length, 1, 'updated, not created');
      assert.equal(after[0].body.email, 'maria.new@example.org');
    });

    journey('in Spanish the widget speaks Spanish', async (page) => {
      await page.goto(`${sandbox.baseUrl}/widget?lang=es`);
      await page.waitForSelector('[data-question-id="first-name"] label');
      assert.equal(await page.evaluate(() => document.documentElement.lang), 'es');
      const text = await page.evaluate(() => document.querySelector('form').innerText);
      for (const spanish of ['Sobre usted', 'Tipo de dirección', 'Consentimiento', 'Su firma']) assert.match(text, new RegExp(spanish), spanish);
      for (const english of ['Your details', 'Address type', 'Your signature', 'Date of birth']) {
        assert.ok(!new RegExp(`(^|\\n)${english}( \\*)?(\\n|$)`).test(text), `"${english}" is still in English`);
      }
      await expectAccessible(page, 'widget in Spanish');
    });
  });
}

// WebKit keeps a third-party frame's storage apart (partitioned) rather than
// refusing it, and MiniBrowser has no switch to refuse it; Firefox does refuse
// it when a person blocks third-party cookies.
test('firefox refusing storage to the embedded widget: the person is told to keep the page open, and nothing is lost while it is', async () => {
  const engine = await launchEngine('firefox', { refuseThirdPartyStorage: true });
  const page = await engine.newPage();
  const row = { journeys: 1, passed: 0, states: 0, violations: 0 };
  summary.set('firefox, third-party storage refused', row);
  try {
    await sandbox.reset();
    await page.goto(demoHost.url);
    const widget = await page.frame('iframe[data-intake-frame]');
    await widget.waitForSelector('[data-question-id="first-name"] input');
    assert.equal(await widget.evaluate(() => { try { return localStorage.length >= 0; } catch { return false; } }), false,
      'the frame has no storage');
    await answerWidgetByKeyboard(widget);
    await tabToMatch(widget, '.signature input[type=text]');
    await widget.type('Rosa Diaz');
    await widget.waitFor(() => document.body.textContent.includes('Signed. Clear it to sign again.'));
    await sandbox.fault({ route: 'POST /unite_us/v3/widgets/assistance_requests', fault: '500', count: 2 });
    await widget.click('.intake-form button[type="submit"]');
    await widget.waitForSelector('[data-testid="kept-in-page"]');
    assert.match(await widget.text('[data-testid="kept-in-page"]'), /keep this page open/);
    await page.waitFor(() => document.getElementById('thanks')?.textContent.includes('your reference is'), { timeout: 30000 });
    const requests = await sandbox.records('unite_us', 'assistance_request');
    assert.equal(requests.length, 1, 'sent once the service answered, from the open page');
    assert.equal(requests[0].body.requestor.first_name, 'Rosa');
    const violations = await widget.axe();
    row.states += 1;
    row.violations += violations.length;
    assert.deepEqual(violations, [], 'axe-core violations with storage refused, sent');
    row.passed = 1;
  } finally {
    await page.close();
    await engine.close();
  }
});
