// The public widget: embedded by the demo host page on another origin with
// the one-snippet loader, under the app's Content-Security-Policy; completed
// with touch and a drawn signature, and by keyboard alone with a typed one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sandboxSuite, axeAudit, watchErrors, keyboard, startDemoHost, widgetAnswers as answers, answerAllButTheSignature, answerEverything, typeDate, fillDate } from './support.mjs';

let sandbox, browser, host, hostUrl;
const audit = axeAudit('widget');
const expectAccessible = audit.check;
sandboxSuite(audit, {
  onStart: async (started, launched) => {
    sandbox = started;
    browser = launched;
    host = await startDemoHost(sandbox.baseUrl);
    hostUrl = host.url;
  },
  onEnd: () => host?.server.close(),
});


test('embedded on another origin: completed by touch with a drawn signature; the host hears "submitted" and cannot read answers', async () => {
  const context = await browser.newContext({ hasTouch: true, isMobile: true, viewport: { width: 375, height: 740 } });
  const page = await context.newPage();
  const errors = watchErrors(page);
  let policy;
  page.on('response', (response) => {
    if (new URL(response.url()).pathname === '/widget') policy = response.headers()['content-security-policy'];
  });
  await page.goto(hostUrl);
  const frame = page.frameLocator('iframe[data-intake-frame]');
  await frame.locator('[data-question-id="first-name"] input').waitFor();
  assert.match(policy ?? '', /script-src 'self' 'wasm-unsafe-eval'/, 'the widget page is served with the strict policy');
  for (const [id, value] of Object.entries(answers)) {
    if (id === 'date-of-birth') { await fillDate(frame, id, value); continue; }
    await frame.locator(`[data-question-id="${id}"]`).locator('input, textarea').first().fill(value);
  }
  await frame.locator('[data-question-id="contact-preference"]').getByText('Phone call', { exact: true }).tap();
  await frame.locator('[data-question-id="need"] select').selectOption({ label: 'Food' });
  await frame.locator('[data-question-id="consent-given"] input').tap();
  await frame.locator('[data-question-id="intake.person.address.address_type"]').getByText('Home', { exact: true }).tap();

  // Draw with a finger: touch events at the canvas's place on the screen.
  // The pad comes with the later parts, once the form is on screen; the
  // page may still move as they arrive and the host fits the frame, so the
  // finger goes where the pad has settled.
  const pad = frame.locator('[data-testid="signature-pad"]');
  await pad.scrollIntoViewIfNeeded();
  const box = await settledBox(page, pad);
  const session = await context.newCDPSession(page);
  const touch = (type, points) => session.send('Input.dispatchTouchEvent', { type, touchPoints: points });
  const at = (fraction, height) => ({ x: box.x + box.width * fraction, y: box.y + box.height * height });
  await touch('touchStart', [at(0.1, 0.6)]);
  for (let step = 1; step <= 12; step += 1) await touch('touchMove', [at(0.1 + step * 0.06, 0.6 - Math.sin(step) * 0.25)]);
  await touch('touchEnd', [at(0.82, 0.6)]);
  await frame.getByText('Signed. Clear it to sign again.').waitFor();

  const frameHeight = await page.locator('iframe[data-intake-frame]').evaluate((element) => element.getBoundingClientRect().height);
  assert.ok(frameHeight > 1000, `the iframe is fitted to the whole form (${frameHeight}px)`);
  const hostCanRead = await page.evaluate(() => {
    const frameElement = document.querySelector('iframe[data-intake-frame]');
    try { return frameElement.contentDocument !== null || Boolean(frameElement.contentWindow.document); } catch { return false; }
  });
  assert.equal(hostCanRead, false, 'the host page cannot reach into the form');
  const widgetFrame = page.frames().find((candidate) => candidate.url().includes('/widget'));
  await expectAccessible(widgetFrame, 'embedded widget, filled');

  const sendButton = frame.locator('.intake-form button[type="submit"]');
  await sendButton.scrollIntoViewIfNeeded();
  // Chromium's emulated touch in a cross-origin iframe now and then turns a
  // tap into no click at all (every touch and pointer event arrives, the
  // click does not); a person would tap again, and the busy guard makes a
  // second tap harmless, so the journey does the same.
  for (let taps = 0; taps < 3; taps += 1) {
    await sendButton.tap();
    const moved = await frame.locator('[data-testid="submitted"], .submission-status:not(:empty)').first()
      .waitFor({ timeout: 2000 }).then(() => true, () => false);
    if (moved) break;
  }
  await page.waitForFunction(() => document.getElementById('thanks').textContent.includes('your reference is'));
  const thanks = await page.locator('#thanks').textContent();
  const reference = await frame.locator('[data-testid="reference"]').textContent();
  assert.ok(thanks.includes(reference), 'the host page got the reference');
  assert.ok(!thanks.includes('Rosa') && !thanks.includes('food'), 'and no answer');
  const requests = await sandbox.records('unite_us', 'assistance_request');
  assert.equal(requests.length, 1);
  assert.equal(requests[0].body.requestor.first_name, 'Rosa');
  assert.match(requests[0].body.consent.signature_image, /^iVBORw0KGgo/, 'the drawn signature arrives as a base64 PNG');
  assert.deepEqual(errors.filter((line) => !/Failed to load resource/.test(line)), []);
  await context.close();
});

test('the widget by keyboard alone, signed by typing a name, under the CSP', async () => {
  const page = await browser.newPage();
  const errors = watchErrors(page);
  const scripts = [];
  page.on('request', (request) => { if (/\.(js|wasm)$/.test(new URL(request.url()).pathname)) scripts.push(new URL(request.url()).pathname); });
  await page.goto(`${sandbox.baseUrl}/widget`);
  await page.waitForSelector('[data-question-id]');
  // The widget's own build: no staff or preview code is downloaded.
  assert.ok(scripts.some((path) => /^\/widget\/intake-widget-[0-9a-f]+_bg\.wasm$/.test(path)), `the widget's wasm is loaded: ${scripts}`);
  assert.ok(!scripts.some((path) => /intake-app/.test(path)), 'the full app is not loaded');
  // The HTML's "Loading…" line, for slow connections, goes once the app is there.
  assert.equal(await page.locator('#boot').count(), 0);
  const { tabTo } = keyboard(page);
  for (const [id, value] of Object.entries(answers)) {
    await tabTo(id);
    if (id === 'date-of-birth') await typeDate(page.keyboard, value);
    else await page.keyboard.type(value);
  }
  await tabTo('contact-preference'); await page.keyboard.press('Space');
  await tabTo('need'); await page.keyboard.press('ArrowDown');
  await tabTo('consent-given'); await page.keyboard.press('Space');
  await tabTo('intake.person.address.address_type'); await page.keyboard.press('Space');
  await tabTo('intake.consent.signature_image');
  for (let presses = 0; presses < 5 && !(await page.evaluate(() => document.activeElement?.matches('.signature input'))); presses += 1) {
    await page.keyboard.press('Tab');
  }
  await page.keyboard.type('Rosa Diaz');
  await page.waitForSelector('text=Signed. Clear it to sign again.');
  await expectAccessible(page, 'widget signed by typing');
  for (let presses = 0; presses < 10 && (await page.evaluate(() => document.activeElement?.type)) !== 'submit'; presses += 1) {
    await page.keyboard.press('Tab');
  }
  await page.keyboard.press('Enter');
  await page.waitForSelector('[data-testid="submitted"]');
  await page.waitForFunction(() => document.title.startsWith('Sent – '));
  // The confirmation: focus on the panel, whose heading holds the reference; the title carries it too.
  const reference = await page.locator('[data-testid="reference"]').textContent();
  assert.match(await page.title(), new RegExp(`^Sent – Your reference: ${reference} – `));
  await page.waitForFunction(() => document.activeElement?.dataset?.testid === 'submitted');
  assert.equal(await page.getByRole('heading', { level: 2, name: `Sent Your reference: ${reference}` }).count(), 1);
  await expectAccessible(page, 'widget sent');
  const requests = await sandbox.records('unite_us', 'assistance_request');
  assert.equal(requests.length, 1);
  assert.match(requests[0].body.consent.signature_image, /^iVBORw0KGgo/);
  assert.equal(requests[0].body.requestor.first_name, 'Rosa');
  assert.deepEqual(errors, [], 'no console error, so no CSP violation either');
  await page.close();
});

/** The element's box once two looks 100 ms apart agree (at most 3 s). */
async function settledBox(page, locator) {
  let box = await locator.boundingBox();
  for (let looks = 0; looks < 30; looks += 1) {
    await page.waitForTimeout(100);
    const again = await locator.boundingBox();
    if (JSON.stringify(again) === JSON.stringify(box)) return box;
    box = again;
  }
  return box;
}

test('when the later parts cannot be downloaded, nothing is lost: the form works, the person is told, and sends once they come', async () => {
  const page = await browser.newPage();
  const errors = watchErrors(page);
  // Checking, the signature pad and sending are a chunk of their own,
  // fetched once the form shows: here the connection drops for exactly that file.
  const chunk = '**/widget/split_later-*.wasm';
  await page.route(chunk, (route) => route.abort('internetdisconnected'));
  await page.goto(`${sandbox.baseUrl}/widget`);
  await page.waitForSelector('[data-question-id="first-name"] input');
  await answerAllButTheSignature(page);
  const signature = page.locator('[data-question-id="intake.consent.signature_image"]');
  await signature.getByText('Loading the signature pad').waitFor();

  const send = page.locator('.intake-form button[type="submit"]');
  await send.click();
  await page.locator('[data-testid="form-status"]').getByText('could not download the part that checks your answers').waitFor();
  await expectAccessible(page, 'widget: the later parts could not be downloaded');
  assert.equal(await page.locator('[data-testid="submitted"]').count(), 0);
  assert.equal(await page.locator('[data-question-id="first-name"] input').inputValue(), 'Rosa', 'the answers stay on screen');
  assert.equal((await sandbox.records('unite_us', 'assistance_request')).length, 0, 'nothing was sent');

  await page.unroute(chunk);
  // The page fetches the parts again by itself (after 2, 4, 8… s): the signature pad comes.
  await signature.locator('.signature input[type=text]').fill('Rosa Diaz');
  await page.waitForSelector('text=Signed. Clear it to sign again.');
  await send.click();
  await page.waitForSelector('[data-testid="submitted"]');
  const requests = await sandbox.records('unite_us', 'assistance_request');
  assert.equal(requests.length, 1, 'sent once');
  assert.equal(requests[0].body.requestor.first_name, 'Rosa');
  assert.match(requests[0].body.consent.signature_image, /^iVBORw0KGgo/);
  // The chunk's loader logs each failed fetch ("Failed to fetch"); nothing else may show.
  assert.deepEqual(errors.filter((line) => !/Failed to load resource|TypeError: Failed to fetch/.test(line)), []);
  await page.close();
});

test('presses made while the later parts are still coming wait for them once: the button says so, and one request is sent', async () => {
  const page = await browser.newPage();
  const errors = watchErrors(page);
  // A slow connection: the chunk arrives only when the test lets it.
  let letThrough;
  const held = new Promise((resolve) => { letThrough = resolve; });
  await page.route('**/widget/split_later-*.wasm', async (route) => { await held; await route.continue(); });
  await page.goto(`${sandbox.baseUrl}/widget`);
  await page.waitForSelector('[data-question-id="first-name"] input');
  await answerAllButTheSignature(page);
  const send = page.locator('.intake-form button[type="submit"]');
  // A click, then two more presses of the focused button (aria-disabled does
  // not stop a key, so the page itself must ignore them).
  await send.click();
  await page.keyboard.press('Enter');
  await page.keyboard.press('Enter');
  await send.getByText('Checking…').waitFor();
  assert.equal(await send.getAttribute('aria-disabled'), 'true', 'the button says it waits');
  await expectAccessible(page, 'widget: a press waits for the later parts');
  letThrough();
  await page.waitForSelector('[data-testid="submitted"]');
  // Give queued presses, were there any, the time to reach the server.
  await page.waitForTimeout(500);
  assert.equal((await sandbox.records('unite_us', 'assistance_request')).length, 1, 'three presses, one request');
  assert.deepEqual(errors, []);
  await page.close();
});

test('sent offline, a widget request waits on the device and goes at the next visit (the later chunk reads the outbox then)', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = watchErrors(page);
  const chunkLoaded = page.waitForResponse((response) => /\/widget\/split_later-[0-9a-f]+\.wasm$/.test(response.url()));
  await page.goto(`${sandbox.baseUrl}/widget`);
  await page.waitForSelector('[data-question-id="first-name"] input');
  await chunkLoaded;
  await answerEverything(page);
  await context.setOffline(true);
  await page.locator('.intake-form button[type="submit"]').click();
  await page.locator('[data-testid="submission-status"]').getByText('You are offline').waitFor();
  assert.equal((await sandbox.records('unite_us', 'assistance_request')).length, 0);
  await page.close();

  await context.setOffline(false);
  const later = await context.newPage();
  await later.goto(`${sandbox.baseUrl}/widget`);
  await later.waitForSelector('[data-question-id="first-name"] input');
  for (let waited = 0; waited < 50 && (await sandbox.records('unite_us', 'assistance_request')).length === 0; waited += 1) {
    await later.waitForTimeout(200);
  }
  const requests = await sandbox.records('unite_us', 'assistance_request');
  assert.equal(requests.length, 1, 'the stored request went at the next visit, once');
  assert.equal(requests[0].body.requestor.first_name, 'Rosa');
  await later.waitForFunction(() => !localStorage.getItem('intake-outbox'));
  assert.deepEqual(errors.filter((line) => !/Failed to load resource|Failed to fetch|ERR_INTERNET_DISCONNECTED/.test(line)), []);
  await context.close();
});

test('in Spanish, the widget speaks Spanish: the sections the app adds and the group form, headings, labels and options', async () => {
  const page = await browser.newPage();
  const errors = watchErrors(page);
  await page.goto(`${sandbox.baseUrl}/widget?lang=es`);
  await page.waitForSelector('[data-question-id]');
  assert.equal(await page.getAttribute('html', 'lang'), 'es');
  // The deployment's own title, from its configuration's translations.
  assert.equal(await page.locator('h1').textContent(), 'Pida ayuda a Demo Community Services');
  // The signature pad comes with the later parts; its words are checked once it is there.
  await page.waitForSelector('[data-testid="signature-pad"]');
  const text = await page.locator('form').innerText();
  // The English words of the sections the app adds (the catalogue's) and of the demo
  // group's form (whose definition has Spanish translations), none of which may show.
  for (const english of ['Your details', 'Street address', 'Address type', 'Home', 'Mailing', 'Your signature', 'Clear the signature',
    'Request assistance', 'About you', 'Date of birth', 'Phone number', 'Email address', 'How should we contact you?', 'ZIP code',
    'Your request', 'What do you need help with?', 'Describe your situation', 'Consent', 'Month', 'Day', 'Year']) {
    assert.ok(!new RegExp(`(^|\\n)${english}( \\*)?(\\n|$)`).test(text), `"${english}" is still in English:\n${text}`);
  }
  for (const spanish of ['Sobre usted', 'Dirección', 'Tipo de dirección', 'Casa', 'Consentimiento', 'Su firma', 'Borrar la firma', 'Día', 'Mes', 'Año']) {
    assert.match(text, new RegExp(spanish), spanish);
  }
  await expectAccessible(page, 'widget in Spanish');
  assert.deepEqual(errors, []);
  await page.close();
});

test('the person\'s own details name their autofill tokens (WCAG 1.3.5); staff intake, about someone else, names none', async () => {
  const page = await browser.newPage();
  const errors = watchErrors(page);
  await page.goto(`${sandbox.baseUrl}/widget`);
  await page.waitForSelector('[data-question-id="first-name"]');
  // The signature's typed field comes with the later parts.
  await page.waitForSelector('[data-testid="signature-pad"]');
  const tokens = () => page.evaluate(() => Object.fromEntries([...document.querySelectorAll('[data-question-id] input')]
    .filter((input) => input.hasAttribute('autocomplete') && input.type !== 'radio')
    .map((input) => [input.closest('[data-question-id]').dataset.questionId, input.getAttribute('autocomplete')])));
  const { ['date-of-birth']: _, ...single } = await tokens();
  assert.deepEqual(single, {
    'intake.person.address.line_1': 'address-line1', 'intake.person.address.city': 'address-level2',
    'intake.person.address.state': 'address-level1', 'first-name': 'given-name', 'last-name': 'family-name',
    phone: 'tel', email: 'email', 'postal-code': 'postal-code',
    // The signature's typed name, for signing.
    'intake.consent.signature_image': 'name',
  });
  // The date of birth's month, day and year, in the order they are asked.
  assert.deepEqual(await page.locator('[data-question-id="date-of-birth"] input').evaluateAll((inputs) => inputs.map((input) => input.autocomplete)),
    ['bday-month', 'bday-day', 'bday-year']);
  await page.goto(`${sandbox.baseUrl}/staff?config=/config/caspen-staff.json`);
  await page.locator('#staff-token').fill('demo-staff-token');
  await page.keyboard.press('Enter');
  await page.locator('#find-last').fill('Lee');
  await page.keyboard.press('Enter');
  await page.locator('[data-testid="new-person"]').click();
  await page.waitForSelector('[data-question-id="first-name"]');
  const staffTokens = await tokens();
  // Only "off", on the private answers the browser must not remember.
  assert.ok(Object.values(staffTokens).every((token) => token === 'off'), JSON.stringify(staffTokens));
  assert.deepEqual(errors, []);
  await page.close();
});

test('a widget never asks for a staff token, and refuses a staff configuration', async () => {
  const page = await browser.newPage();
  await page.goto(`${sandbox.baseUrl}/widget?config=caspen-widget`);
  // Caspen has no public widget token: the widget loads (auth none, the
  // organisation's gateway adds credentials) without asking for one.
  await page.waitForSelector('[data-question-id]');
  assert.equal(await page.locator('#staff-token').count(), 0, 'a widget never asks for a staff token');
  await page.goto(`${sandbox.baseUrl}/widget?config=/config/caspen-staff.json`);
  assert.match(await page.locator('[data-testid="intake-error-message"]:not(:empty)').textContent(), /staff intake: open it at \/staff/);
  await page.close();
});

test('the widget for a target without a public token (Caspen through the organisation gateway), by keyboard: no service type or signature, and no credential in the browser', async () => {
  const page = await browser.newPage();
  const errors = watchErrors(page);
  const credentialed = [];
  page.on('request', (request) => { if (request.headers().authorization) credentialed.push(request.url()); });
  await page.goto(`${sandbox.baseUrl}/widget?config=/config/caspen-widget.json`);
  await page.waitForSelector('[data-question-id="first-name"]');
  assert.equal(await page.locator('canvas').count(), 0, 'Caspen takes no signature, so none is asked');
  assert.equal(await page.locator('[data-question-id$="service_type_id"]').count(), 0, 'nor a service type');
  const { tabTo } = keyboard(page);
  await tabTo('first-name'); await page.keyboard.type('Ada');
  await tabTo('last-name'); await page.keyboard.type('Byron');
  await tabTo('email'); await page.keyboard.type('ada@example.org');
  await tabTo('intake.consent.privacy_policy'); await page.keyboard.press('Space');
  await expectAccessible(page, 'widget on Caspen');
  for (let presses = 0; presses < 40 && (await page.evaluate(() => document.activeElement?.type)) !== 'submit'; presses += 1) {
    await page.keyboard.press('Tab');
  }
  await page.keyboard.press('Enter');
  await page.waitForSelector('[data-testid="submitted"]');
  const clients = (await sandbox.records('caspen', 'client')).filter((record) => record.body.first_name === 'Ada');
  assert.equal(clients.length, 1, 'the client landed once');
  assert.equal(clients[0].body.email, 'ada@example.org');
  assert.deepEqual(credentialed, [], 'the browser sent no credential: the gateway adds it');
  assert.deepEqual(errors, []);
  await page.close();
});
