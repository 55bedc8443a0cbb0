// Journeys on the form authors' preview page, on the release build.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { startServer, launchBrowser, axeViolations, watchErrors, keyboard, fillDate, typeDate } from './support.mjs';

let server, baseUrl, browser;
const audit = { states: 0, violations: 0 };

before(async () => {
  ({ server, baseUrl } = await startServer());
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  server?.close();
  console.log(`axe-core: ${audit.states} states audited, ${audit.violations} violations`);
});

async function expectAccessible(page, state) {
  const violations = await axeViolations(page);
  audit.states += 1;
  audit.violations += violations.length;
  assert.deepEqual(violations, [], `axe-core violations in ${state}`);
}

async function openPreview(form) {
  const page = await browser.newPage();
  const errors = watchErrors(page);
  await page.goto(`${baseUrl}/preview?form=/forms/${form}`);
  await page.waitForSelector('[data-question-id]');
  return { page, errors };
}

for (const language of ['en', 'es']) {
  for (const form of ['assistance-request.json', 'housing-food-screener.json', 'every-input-type.json']) {
    test(`${form} (${language}): accessible before and after an empty attempt, and the summary takes focus`, async () => {
      const page = await browser.newPage();
      const errors = watchErrors(page);
      await page.goto(`${baseUrl}/preview?form=/forms/${form}&lang=${language}`);
      await page.waitForSelector('[data-question-id]');
      // The demo forms have no warnings, so the definition check stays closed and shows only its counts.
      const panel = page.locator('[data-testid="lint-problems"]');
      assert.equal(await panel.getAttribute('open'), null);
      assert.doesNotMatch(await page.locator('main').textContent(), /\b0 >/);
      assert.equal(await page.locator('[aria-invalid="true"]').count(), 0, 'no errors before the first attempt');
      const submit = page.locator('.intake-form button[type="submit"]');
      // The first step untouched, then after an attempt with nothing answered; the keyboard
      // journeys below audit the later steps and the review.
      await expectAccessible(page, `${form} (${language}), step 1 untouched`);
      // The title names the form in the page's language (and the step, when there are steps).
      const name = await page.locator('.form-title').textContent();
      await page.waitForFunction((wanted) => document.title.endsWith(wanted), name);
      assert.doesNotMatch(await page.title(), /^Error/);
      await submit.click();
      await page.waitForFunction(() => document.activeElement?.dataset?.testid === 'error-summary');
      // GOV.UK's pattern: the title says first that something needs fixing.
      await page.waitForFunction(() => document.title.startsWith('Error: '));
      assert.ok((await page.title()).endsWith(name), await page.title());
      assert.ok((await page.locator('[data-testid="error-summary"] a').count()) > 0);
      assert.ok((await page.locator('[aria-invalid="true"]').count()) > 0);
      await expectAccessible(page, `${form} (${language}), step 1 with errors`);
      assert.deepEqual(errors, []);
      await page.close();
    });
  }
}

test('the assistance request is completed by keyboard alone and its form_response follows', async () => {
  const { page, errors } = await openPreview('assistance-request.json');
  const { tabTo } = keyboard(page);
  await tabTo('first-name'); await page.keyboard.type('Maria');
  await tabTo('last-name'); await page.keyboard.type('Garcia');
  await tabTo('date-of-birth'); await typeDate(page.keyboard, '1985-04-12');
  await tabTo('phone'); await page.keyboard.type('5550100');
  await tabTo('email'); await page.keyboard.type('maria@example.org');
  await tabTo('contact-preference'); await page.keyboard.press('Space'); // the first radio: Phone call
  await tabTo('postal-code'); await page.keyboard.type('10001');
  await tabTo('need'); await page.keyboard.press('ArrowDown'); // the select: Food
  await tabTo('description'); await page.keyboard.type('We have no food until Friday.');
  await tabTo('urgent'); await page.keyboard.press('Space'); // urgent: Yes
  assert.ok(await page.locator('[data-question-id="urgent-why"]').isVisible(), 'the follow-up appears when Yes is chosen');
  await tabTo('urgent-why'); await page.keyboard.type('Payday is next week.');
  await tabTo('consent-given'); await page.keyboard.press('Space');
  await page.keyboard.press('Tab'); // to the Check answers button
  await page.keyboard.press('Enter');
  assert.ok(await page.locator('[data-testid="error-summary"]').isHidden(), 'a completed form shows no error summary');
  const response = JSON.parse(await page.locator('[data-testid="form-response"]').textContent());
  const byQuestion = Object.fromEntries(response.map((entry) => [entry.question_id, entry.response_value]));
  assert.deepEqual(byQuestion, {
    'first-name': 'Maria', 'last-name': 'Garcia', 'date-of-birth': 482112000, phone: '5550100', email: 'maria@example.org',
    'contact-preference': 'contact-phone', 'postal-code': '10001', need: 'st-food-assistance', description: 'We have no food until Friday.',
    urgent: 'urgent-yes', 'urgent-why': 'Payday is next week.', 'consent-given': 'true',
  });
  await expectAccessible(page, 'assistance request, completed');
  assert.deepEqual(errors, []);
  await page.close();
});

test('a definition that cannot be used gets one clear message', async () => {
  const page = await browser.newPage();
  await page.goto(`${baseUrl}/preview?form=/forms/does-not-exist.json`);
  // The static server falls back to index.html for unknown paths, which is not JSON.
  const message = await page.locator('[data-testid="load-error"]').textContent();
  assert.match(message, /not valid JSON|not found/);
  await expectAccessible(page, 'load error');
  await page.goto(`${baseUrl}/preview?form=/forms/does-not-exist.json&lang=es`);
  assert.match(await page.locator('[data-testid="load-error"]').textContent(), /no es JSON válido|No se encontró/);
  await page.close();
});

test('a reload restores typed answers except sensitive ones, and Start over clears them', async () => {
  const { page, errors } = await openPreview('assistance-request.json');
  await page.locator('[data-question-id="first-name"] input').fill('Aisha');
  await fillDate(page, 'date-of-birth', '1992-11-03'); // marked is_sensitive
  await page.waitForTimeout(700); // the draft is written once typing pauses
  await page.reload();
  await page.waitForSelector('[data-question-id]');
  assert.ok(await page.locator('[data-testid="draft-notice"]').isVisible());
  assert.equal(await page.locator('[data-question-id="first-name"] input').inputValue(), 'Aisha');
  assert.deepEqual(await page.locator('[data-question-id="date-of-birth"] input').evaluateAll((inputs) => inputs.map((input) => input.value)),
    ['', '', ''], 'a sensitive answer is never stored');
  await expectAccessible(page, 'assistance request, draft restored');
  await Promise.all([page.waitForEvent('load'), page.getByRole('button', { name: 'Start over' }).click()]);
  await page.waitForSelector('[data-question-id]');
  assert.equal(await page.locator('[data-testid="draft-notice"]').count(), 0);
  assert.equal(await page.locator('[data-question-id="first-name"] input').inputValue(), '');
  assert.deepEqual(errors, []);
  await page.close();
});

test('in Spanish the page speaks Spanish, is accessible with and without errors, and the switch goes back to English', async () => {
  const page = await browser.newPage();
  const errors = watchErrors(page);
  await page.goto(`${baseUrl}/preview?form=/forms/assistance-request.json&lang=es`);
  await page.waitForSelector('[data-question-id]');
  assert.equal(await page.getAttribute('html', 'lang'), 'es');
  assert.match(await page.locator('[data-question-id="first-name"] label').textContent(), /^Nombre/);
  await expectAccessible(page, 'assistance request in Spanish');
  await page.locator('.intake-form button[type="submit"]').click();
  await page.waitForFunction(() => document.activeElement?.dataset?.testid === 'error-summary');
  assert.match(await page.locator('[data-testid="error-summary"]').textContent(), /Hay un problema/);
  await expectAccessible(page, 'assistance request in Spanish, errors shown');
  await page.getByRole('button', { name: 'English' }).click();
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  assert.match(await page.locator('[data-testid="error-summary"]').textContent(), /There is a problem/);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a language is claimed only where its words are: a form with Arabic translations turns the page right to left, one without stays English', async () => {
  const page = await browser.newPage();
  const claimed = () => page.evaluate(() => [document.documentElement.lang, document.documentElement.dir]);
  // No Arabic in the catalogue or in this definition: the page is English, and says so.
  await page.goto(`${baseUrl}/preview?form=/forms/assistance-request.json&lang=ar`);
  await page.waitForSelector('[data-question-id]');
  assert.deepEqual(await claimed(), ['en', 'ltr']);
  // The paste screen has no form yet: English too.
  await page.goto(`${baseUrl}/preview?lang=ar`);
  await page.locator('#pasted-definition').waitFor();
  assert.deepEqual(await claimed(), ['en', 'ltr']);
  const definition = JSON.stringify({ form: { id: 'arabic', name: 'Help', translations: { ar: { name: 'مساعدة' } }, sections: [{
    id: 's', questions: [
      { id: 'need', input_type: 'text', label_text: 'What do you need?', translations: { ar: { label_text: 'ماذا تحتاج؟' } } },
    ] }] } });
  await page.locator('#pasted-definition').fill(definition);
  await page.getByRole('button', { name: 'Render this definition' }).click();
  await page.waitForSelector('[data-question-id="need"]');
  assert.deepEqual(await claimed(), ['ar', 'rtl']);
  assert.equal(await page.locator('[data-question-id="need"] label').textContent(), 'ماذا تحتاج؟');
  await expectAccessible(page, 'a form in Arabic, right to left');
  await page.close();
});

test('a long form can be split into steps by configuration', async () => {
  const page = await browser.newPage();
  await page.goto(`${baseUrl}/preview?form=/forms/every-input-type.json&per_step=5`);
  await page.waitForSelector('[data-question-id]');
  // 11 and 6 questions in two sections become steps of whole sections: each section alone, plus the review.
  assert.equal(await page.locator('[data-testid="progress"]').textContent(), 'Step 1 of 3');
  await page.close();
});

for (const form of ['assistance-request.json', 'housing-food-screener.json', 'every-input-type.json']) {
  test(`${form}: nothing is cut off or scrolls sideways on a 320 px wide phone, errors shown`, async () => {
    const page = await browser.newPage({ viewport: { width: 320, height: 640 } });
    await page.goto(`${baseUrl}/preview?form=/forms/${form}`);
    await page.waitForSelector('[data-question-id]');
    await page.locator('.intake-form button[type="submit"]').click();
    await page.waitForSelector('[data-testid="error-summary"]:not([hidden])');
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 320), 'the page scrolls sideways at 320 px');
    await page.close();
  });
}

test('the housing and food screener is completed by keyboard alone across its steps and review', async () => {
  const { page, errors } = await openPreview('housing-food-screener.json');
  const { tabTo, pressSubmit } = keyboard(page);
  const progress = () => page.locator('[data-testid="progress"]').textContent();

  assert.equal(await progress(), 'Step 1 of 3');
  await pressSubmit(); // an empty Continue: step 1's errors
  await page.waitForFunction(() => document.activeElement?.dataset?.testid === 'error-summary');
  await tabTo('housing-situation');
  await page.keyboard.press('Space'); // the first option
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown'); // "I do not have a steady place to live"
  await tabTo('where-sleeping');
  await page.keyboard.press('ArrowDown'); // Shelter
  // Hidden by its hide condition: out of the DOM, or in it with `hidden`.
  assert.ok(await page.locator('[data-question-id="housing-problems"]').isHidden(), 'hidden by its hide condition');
  await pressSubmit();
  await page.waitForFunction(() => document.querySelector('[data-testid="progress"]')?.textContent === 'Step 2 of 3');
  // Step 2's questions have not been seen yet: no error shows for them until Continue is pressed here.
  assert.equal(await page.locator('.question.has-error:visible, .error-message:visible').count(), 0, 'a new step opens without errors');
  assert.equal(await page.locator('[data-testid="error-summary"]:visible').count(), 0);
  await expectAccessible(page, 'screener step 2');
  await pressSubmit(); // nothing answered on this step yet
  await page.waitForFunction(() => document.activeElement?.dataset?.testid === 'error-summary');
  assert.match(await page.locator('[data-testid="error-summary"]').textContent(), /How many people live in your household/);
  await expectAccessible(page, 'screener step 2 with errors');

  await tabTo('food-worry');
  await page.keyboard.press('Space'); // Often true
  await tabTo('household-size');
  await page.keyboard.type('4');
  await tabTo('children-count');
  await page.keyboard.type('2');
  await tabTo('benefits');
  await page.keyboard.press('Space'); // SNAP
  assert.ok(await page.locator('[data-question-id="school-meals-note"]').isVisible(), 'the note shows for children without school meals');
  await pressSubmit();
  await page.waitForFunction(() => document.querySelector('[data-testid="progress"]')?.textContent === 'Step 3 of 3');
  const review = await page.locator('[data-testid="review"]').textContent();
  assert.match(review, /I do not have a steady place to live/);
  assert.match(review, /Shelter/);
  assert.match(review, /SNAP/);
  await expectAccessible(page, 'screener review');
  await pressSubmit();
  assert.match(await page.locator('[data-testid="form-status"]').textContent(), /Every answer is valid/);

  const response = JSON.parse(await page.locator('[data-testid="form-response"]').textContent());
  assert.deepEqual(Object.fromEntries(response.map((entry) => [entry.question_id, entry.response_value])), {
    'housing-situation': 'none', 'where-sleeping': 'shelter', 'food-worry': 'often', 'household-size': '4', 'children-count': '2', benefits: ['snap'],
  });
  assert.deepEqual(errors, []);
  await page.close();
});

test('the every-input-type form is completed by keyboard alone', async () => {
  const { page, errors } = await openPreview('every-input-type.json');
  const { tabTo } = keyboard(page);
  const keys = page.keyboard;
  await tabTo('text'); await keys.type('Hello');
  await tabTo('textarea'); await keys.type('Line one');
  await tabTo('number'); await keys.type('5');
  await tabTo('decimal'); await keys.type('12.5');
  await tabTo('seven'); await keys.type('7');
  await tabTo('email'); await keys.type('a@example.org');
  await tabTo('tel'); await keys.type('555 0100');
  await tabTo('url'); await keys.type('https://example.org');
  await tabTo('time'); await keys.type('0930AM');
  await tabTo('date'); await typeDate(keys, '2024-03-05');
  await tabTo('duration'); await keys.type('01012024'); // start date
  await keys.press('Tab'); await keys.press('Tab'); // past the start date's picker to the end date
  await keys.type('01312024');
  await tabTo('single-select'); await keys.press('ArrowDown');
  await tabTo('multi-select'); await keys.press('Space'); await keys.press('Tab'); await keys.press('Space'); // Red and Green
  await tabTo('radio'); await keys.press('Space');
  await tabTo('checkbox-list'); await keys.press('Space');
  await tabTo('single-checkbox'); await keys.press('Space');
  await keys.press('Tab');
  await keys.press('Enter');
  assert.ok(await page.locator('[data-testid="error-summary"]').isHidden(), await page.locator('[data-testid="error-summary"]').textContent());
  assert.match(await page.locator('[data-testid="form-status"]').textContent(), /Every answer is valid/);
  const response = JSON.parse(await page.locator('[data-testid="form-response"]').textContent());
  assert.deepEqual(Object.fromEntries(response.map((entry) => [entry.question_id, entry.response_value])), {
    text: 'Hello', textarea: 'Line one', number: '5', decimal: '12.5', seven: '7', email: 'a@example.org', tel: '555 0100',
    url: 'https://example.org', time: '09:30', date: 1709596800, duration: [1704067200, 1706659200], 'single-select': 's-a',
    'multi-select': ['m-a', 'm-b'], radio: 'r-a', 'checkbox-list': ['c-a'], 'single-checkbox': 'true',
  });
  await expectAccessible(page, 'every input type, completed');
  assert.deepEqual(errors, []);
  await page.close();
});

test('a definition dropped on the paste box is rendered, and a broken one is explained', async () => {
  const page = await browser.newPage();
  const errors = watchErrors(page);
  await page.goto(`${baseUrl}/preview`);
  const drop = async (text) => {
    const dataTransfer = await page.evaluateHandle((contents) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([contents], 'form.json', { type: 'application/json' }));
      return transfer;
    }, text);
    await page.dispatchEvent('#pasted-definition', 'drop', { dataTransfer });
  };
  await drop(await readFile(new URL('../../public/forms/every-input-type.json', import.meta.url), 'utf8'));
  await page.waitForSelector('[data-question-id="single-checkbox"]');
  await drop('{"sections": [');
  assert.match(await page.locator('[data-testid="load-error"]').textContent(), /not valid JSON/);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a hostile definition is shown as text and runs no script, under the CSP', async () => {
  const page = await browser.newPage();
  const errors = watchErrors(page);
  await page.goto(`${baseUrl}/preview`);
  const hostile = JSON.stringify({
    name: '<script>window.__pwned = 1</script>',
    sections: [{ id: 's', name: '<img src=x onerror="window.__pwned=2">', display_name: true, questions: [
      { id: 'q', input_type: 'radio', label_text: '<svg onload="window.__pwned=3">', input_options: [{ id: 'o', option_label: '<iframe srcdoc="<script>parent.__pwned=4</script>">' }] },
      { id: 'q2', input_type: 'text', label_text: 'Plain', help_text: '<a href="javascript:window.__pwned=5">help</a>', placeholder_text: '"><img src=x onerror=window.__pwned=6>' },
    ] }],
  });
  await page.locator('#pasted-definition').fill(hostile);
  await page.getByRole('button', { name: 'Render this definition' }).click();
  await page.waitForSelector('[data-question-id="q"]');
  await page.waitForTimeout(300);
  assert.equal(await page.evaluate(() => window.__pwned), undefined, 'no script ran');
  assert.equal(await page.locator('.intake-form img, .intake-form svg, .intake-form iframe, .intake-form script, .intake-form a[href^="javascript"]').count(), 0);
  assert.match(await page.locator('[data-question-id="q"]').textContent(), /<svg onload=/, 'the markup is shown literally');
  assert.deepEqual(errors, [], 'and the CSP had nothing to refuse');
  console.log('security: hostile definition rendered as text, 0 scripts ran, 0 CSP violations');
  await page.close();
});

test('the error summary links a required signature to its typed field, and required radio and checkbox groups say so to assistive technology', async () => {
  const page = await browser.newPage();
  const errors = watchErrors(page);
  await page.goto(`${baseUrl}/preview`);
  const definition = JSON.stringify({ form: { id: 'signature-check', name: 'Signature check', sections: [{
    id: 's', name: 'Signing', display_name: true, questions: [
      { id: 'contact', input_type: 'radio', label_text: 'How should we contact you?', is_required: true, display_order: 1,
        input_options: [{ id: 'phone', option_label: 'Phone' }, { id: 'email', option_label: 'Email' }] },
      { id: 'sign', input_type: 'signature', label_text: 'Your signature', is_required: true, display_order: 2 },
      { id: 'needs', input_type: 'checkbox', label_text: 'What do you need?', min_selections: 1, display_order: 3,
        input_options: [{ id: 'food', option_label: 'Food' }, { id: 'rent', option_label: 'Rent' }] },
    ] }] } });
  await page.locator('#pasted-definition').fill(definition);
  await page.getByRole('button', { name: 'Render this definition' }).click();
  await page.waitForSelector('[data-question-id="sign"] .signature input');
  // What a screen reader is told about the radio group: its name, that it is required (the
  // asterisk is hidden from it), and not that anything is invalid before a check.
  const cdp = await page.context().newCDPSession(page);
  const { nodes } = await cdp.send('Accessibility.getFullAXTree');
  const property = (node, name) => node.properties?.find((entry) => entry.name === name)?.value?.value;
  const group = nodes.find((node) => node.role?.value === 'radiogroup');
  assert.ok(group, `a radio group: ${nodes.map((node) => node.role?.value).join(' ')}`);
  assert.match(group.name?.value, /^How should we contact you\?/);
  assert.equal(property(group, 'required'), true, 'the radio group is required');
  // A checkbox list cannot be marked required: its name says so in words.
  const checkboxes = nodes.find((node) => node.role?.value === 'group' && node.name?.value?.startsWith('What do you need?'));
  assert.equal(checkboxes?.name?.value, 'What do you need? (required)');
  const radios = nodes.filter((node) => node.role?.value === 'radio');
  assert.deepEqual(radios.map((node) => node.name?.value), ['Phone', 'Email']);
  assert.ok(radios.every((radio) => property(radio, 'invalid') === 'false'), 'no radio is invalid before a check');
  await page.locator('.intake-form button[type=submit]').click();
  await page.waitForFunction(() => document.activeElement?.dataset?.testid === 'error-summary');
  const link = page.locator('[data-testid="error-summary"] a', { hasText: 'type your full name to sign' });
  assert.equal(await link.count(), 1, await page.locator('[data-testid="error-summary"]').textContent());
  await link.focus();
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.activeElement?.matches('[data-question-id="sign"] .signature input'));
  assert.equal(await page.evaluate(() => document.activeElement.getAttribute('aria-invalid')), 'true', 'the typed field is marked invalid');
  // Both the pad and the typed field show the error's red border (--intake-error, #b3261e).
  for (const control of ['canvas', 'input[type=text]']) {
    const colour = await page.locator(`[data-question-id="sign"] ${control}`).evaluate((element) => getComputedStyle(element).borderTopColor);
    assert.equal(colour, 'rgb(179, 38, 30)', `${control} has a red border`);
  }
  assert.deepEqual(errors, []);
  await page.close();
});
