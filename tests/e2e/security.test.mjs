// The trust boundary, tried as an attacker would: crafted links to the
// organisation's own intake pages, a host page that rewrites the widget's
// frame, the policy the pages are served with, what a failed send leaves in
// the browser's storage, stored submissions opened by another kind of page,
// and an idle lock whose sign-in check answers 503 or 404. Every request to
// another origin is intercepted and answered as an attacker's server would
// (200, any origin allowed), and counted. Prints a security table.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sandboxSuite, axeAudit, watchErrors, startDemoHost, answerEverything } from './support.mjs';

let sandbox, browser, host;
const audit = axeAudit('security');
const expectAccessible = audit.check;
const TOKEN = 'demo-staff-token';
const EVIL = 'https://evil.example';
/** One row per case: what was tried, requests that left the deployment, and what happened. */
const table = [];

sandboxSuite(audit, {
  onStart: async (started, launched) => {
    sandbox = started;
    browser = launched;
    host = await startDemoHost(sandbox.baseUrl);
  },
  onEnd: () => {
    host?.server.close();
    console.log('security (crafted links, host pages, storage, stored submissions, the idle lock):');
    console.log(`  ${'case'.padEnd(76)} left  outcome`);
    for (const row of table) console.log(`  ${row.name.padEnd(76)} ${String(row.left).padStart(4)}  ${row.outcome}`);
  },
});

/**
 * A browser context in which every request to an origin other than the
 * deployment's (and the host page's, where given) is answered by "the
 * attacker" and counted, together with every request the page's policy
 * refused (a sign the page tried).
 */
async function attackedContext(allowedOrigins = []) {
  const context = await browser.newContext();
  const left = [];
  const allowed = new Set([sandbox.baseUrl, ...allowedOrigins]);
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (allowed.has(url.origin)) return route.continue();
    left.push(`${route.request().method()} ${url.href}`);
    return route.fulfill({
      status: 200,
      headers: { 'access-control-allow-origin': '*', 'access-control-allow-headers': '*', 'content-type': 'application/json' },
      body: JSON.stringify({ target: 'unite_us', widget_token: 'x', sections: [{ id: 's', questions: [{ id: 'q', label_text: 'Your bank PIN', input_type: 'text' }] }], data: [] }),
    });
  });
  const refused = [];
  context.on('console', (message) => { if (/Refused to connect|Content Security Policy/.test(message.text())) refused.push(message.text()); });
  return { context, left, refused };
}

const refusal = (page) => page.locator('[data-testid="intake-error-message"]:not(:empty)');

const craftedLinks = [
  ['staff: ?target=caspen&base_url=evil', '/staff?target=caspen&base_url=https://evil.example/v1', /tries to choose where your answers are sent \(base_url, target\)/],
  ['staff: ?config= on another origin', `/staff?config=${encodeURIComponent(`${EVIL}/c.json`)}`, /names a configuration this site does not have/],
  ['staff: ?config=/\\evil.example (resolves to another origin)', `/staff?config=${encodeURIComponent('/\\evil.example/c.json')}`, /names a configuration this site does not have/],
  ['staff: a real configuration plus ?base_url=evil', '/staff?config=caspen-staff&base_url=https://evil.example/v1', /tries to choose where your answers are sent \(base_url\)/],
  ['widget: ?widget_token&base_url=evil&form=evil', `/widget?target=unite_us&widget_token=t&base_url=${EVIL}/v3&form=${EVIL}/f.json`, /\(base_url, form, target, widget_token\)/],
  ['widget: ?config=//evil.example', `/widget?config=${encodeURIComponent('//evil.example/c')}`, /names a configuration this site does not have/],
  ['widget: ?config=../ climbing out of the folder', `/widget?config=${encodeURIComponent('/config/../forms/person-intake.json')}`, /names a configuration this site does not have/],
];

for (const [name, path, message] of craftedLinks) {
  test(`a crafted link is refused before any request: ${name}`, async () => {
    const { context, left, refused } = await attackedContext();
    const page = await context.newPage();
    await page.goto(`${sandbox.baseUrl}${path}`);
    await refusal(page).waitFor();
    assert.match(await refusal(page).textContent(), message);
    assert.equal(await page.locator('#staff-token').count(), 0, 'no sign-in is offered to type a token into');
    assert.equal(await page.locator('[data-question-id]').count(), 0, 'no form is shown');
    // Typing anywhere and waiting changes nothing.
    await page.keyboard.type('demo-staff-token\n');
    await page.waitForTimeout(300);
    assert.deepEqual(left, [], 'nothing reached another origin');
    assert.deepEqual(refused, [], 'nothing even tried');
    await expectAccessible(page, `refused link (${name})`);
    table.push({ name: `link ${name}`, left: left.length, outcome: 'refused, no form, no sign-in' });
    await context.close();
  });
}

/** Signs in to a staff configuration with the demo token and searches for a name. */
async function signInAndSearch(page, config, first, last) {
  await page.goto(`${sandbox.baseUrl}/staff?config=${config}`);
  await page.locator('#staff-token').fill(TOKEN);
  await page.keyboard.press('Enter');
  const find = page.locator('[data-testid="find-person"]');
  await find.getByLabel('First name').fill(first);
  await find.getByLabel('Last name').fill(last);
  await find.getByRole('button', { name: 'Search' }).click();
}

/** Signs in to Caspen staff intake and fills in a new person, not yet sent. */
async function newCaspenPerson(page, firstName) {
  await signInAndSearch(page, 'caspen-staff', 'Nobody', 'Known');
  await page.locator('[data-testid="new-person"]').click();
  await page.locator('[data-question-id="first-name"] input').fill(firstName);
  await page.locator('[data-question-id="last-name"] input').fill('Lee');
  await page.locator('[data-question-id="country"] input').fill('US');
}

test('control: a real staff sign-in with the token typed, and a search, stay inside the deployment', async () => {
  const { context, left, refused } = await attackedContext();
  const page = await context.newPage();
  await signInAndSearch(page, 'caspen-staff', 'Maria', 'Garcia');
  await page.locator('[data-testid="search-results"] [data-person-id]').first().waitFor();
  assert.deepEqual([left, refused], [[], []]);
  table.push({ name: 'staff sign-in and search on a real configuration (control)', left: left.length, outcome: 'signed in, found' });
  await context.close();
});

test('a host page that rewrites the widget frame\'s address gets a refusal, not a form', async () => {
  const { context, left, refused } = await attackedContext([host.origin]);
  const page = await context.newPage();
  await page.goto(host.url);
  const frame = page.frameLocator('iframe[data-intake-frame]');
  await frame.locator('[data-question-id="first-name"] input').waitFor();
  await page.evaluate(({ evil, app, hostOrigin }) => {
    const element = document.querySelector('iframe[data-intake-frame]');
    element.src = `${app}/widget?target=caspen&base_url=${evil}/v1&form=${evil}/f.json&embed=1&host=${encodeURIComponent(hostOrigin)}`;
  }, { evil: EVIL, app: sandbox.baseUrl, hostOrigin: host.origin });
  await frame.locator('[data-testid="intake-error-message"]:not(:empty)').waitFor();
  assert.equal(await frame.locator('[data-question-id]').count(), 0, 'no form in the rewritten frame');
  await page.waitForTimeout(300);
  assert.deepEqual([left, refused], [[], []]);
  table.push({ name: 'host page rewrites the iframe src to an attacker base_url and form', left: left.length, outcome: 'refused inside the frame' });
  await context.close();
});

test('the pages are served with the deployment\'s policy: no wildcard connect-src, staff and preview unframable, the widget framable', async () => {
  const policies = {};
  for (const path of ['/staff', '/preview', '/widget', '/']) {
    const response = await fetch(`${sandbox.baseUrl}${path}`);
    policies[path] = response.headers.get('content-security-policy') ?? '';
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff', path);
  }
  for (const [path, policy] of Object.entries(policies)) {
    assert.match(policy, /script-src 'self' 'wasm-unsafe-eval';/, path);
    assert.doesNotMatch(policy, /connect-src[^;]*\*/, `${path} has no wildcard connect-src`);
  }
  assert.match(policies['/staff'], /connect-src 'self';/, 'the demo configurations name no other origin');
  assert.match(policies['/staff'], /frame-ancestors 'none'/);
  assert.match(policies['/preview'], /frame-ancestors 'none'/);
  assert.match(policies['/'], /frame-ancestors 'none'/);
  assert.match(policies['/widget'], /frame-ancestors \*/);
  // A page that frames staff intake gets nothing.
  const { context } = await attackedContext([host.origin]);
  const page = await context.newPage();
  const blocked = [];
  page.on('console', (message) => { if (/frame-ancestors/.test(message.text())) blocked.push(message.text()); });
  await page.goto(host.url);
  await page.evaluate((app) => {
    const frame = document.createElement('iframe');
    frame.src = `${app}/staff?config=caspen-staff`;
    frame.id = 'framed-staff';
    document.body.append(frame);
  }, sandbox.baseUrl);
  await page.waitForFunction(() => true);
  for (let waited = 0; waited < 20 && blocked.length === 0; waited += 1) await page.waitForTimeout(100);
  assert.ok(blocked.length > 0, 'the browser refused to frame staff intake');
  table.push({ name: 'served policy on /staff /preview /widget /; a page framing /staff', left: 0, outcome: 'strict connect-src; framing refused' });
  await context.close();
});

/** Everything the browser keeps for the page's origin, as text. */
const rawStorage = (page) => page.evaluate(() => JSON.stringify({ local: { ...localStorage }, session: { ...sessionStorage } }));

test('a failed send keeps neither the sensitive answer nor the signature in storage', async () => {
  const { context, left } = await attackedContext();
  const page = await context.newPage();
  const errors = watchErrors(page);
  await page.goto(`${sandbox.baseUrl}/widget`);
  await page.waitForSelector('[data-question-id="first-name"] input');
  const dateOfBirth = page.locator('[data-question-id="date-of-birth"]');
  assert.ok(await dateOfBirth.count(), 'the form has a sensitive date of birth');
  await answerEverything(page);
  await context.setOffline(true);
  await page.locator('.intake-form button[type="submit"]').click();
  await page.locator('[data-testid="saved-on-device"]').waitFor();
  // Wait past the draft's save delay, so whatever would be written is.
  await page.waitForTimeout(800);
  const stored = await rawStorage(page);
  assert.match(stored, /intake-outbox/, 'the submission is kept on the device');
  assert.match(stored, /sealed/, 'sealed');
  // Nowhere: the sensitive date of birth (as typed or as sent) and the signature.
  for (const secret of ['1990-05-06', '641952000', 'iVBORw0KGgo', 'data:image/png']) {
    assert.ok(!stored.includes(secret), `storage holds no "${secret}"`);
  }
  // The waiting submission holds no answer at all; the tab's draft keeps
  // the other answers, as drafts do, for a reload.
  const outbox = await page.evaluate(() => localStorage.getItem('intake-outbox'));
  for (const answer of ['Rosa', 'food until Friday', 'rosa@example.org', '78701']) {
    assert.ok(!outbox.includes(answer), `the stored submission holds no "${answer}"`);
  }
  // That it is still opened and sent at the next visit is the widget
  // journeys' offline case: every stored submission is sealed.
  assert.deepEqual(left, []);
  assert.deepEqual(errors.filter((line) => !/Failed to load resource|Failed to fetch|ERR_INTERNET_DISCONNECTED/.test(line)), []);
  table.push({ name: 'failed send with a sensitive answer and a signature, then raw storage read', left: left.length, outcome: 'sealed; no sensitive answer or signature in storage' });
  await context.close();
});

test('a widget submission waiting on the device is never sent by the staff page, so never with the staff token', async () => {
  const { context, left } = await attackedContext();
  const page = await context.newPage();
  await page.goto(`${sandbox.baseUrl}/widget`);
  await page.waitForSelector('[data-question-id="first-name"] input');
  await answerEverything(page);
  await context.setOffline(true);
  await page.locator('.intake-form button[type="submit"]').click();
  await page.locator('[data-testid="saved-on-device"]').waitFor();
  await page.close();
  await context.setOffline(false);
  const staff = await context.newPage();
  const credentialed = [];
  staff.on('request', (request) => {
    if (request.headers().authorization && request.method() !== 'GET') credentialed.push(`${request.method()} ${request.url()}`);
  });
  await staff.goto(`${sandbox.baseUrl}/staff?config=unite-us-staff`);
  await staff.locator('#staff-token').fill(TOKEN);
  await staff.keyboard.press('Enter');
  await staff.locator('[data-testid="find-person"]').waitFor();
  await staff.waitForTimeout(1500);
  assert.equal((await sandbox.records('unite_us', 'assistance_request')).length, 0, 'the staff page did not send it');
  assert.deepEqual(credentialed, [], 'no write went with the staff token');
  assert.match(await rawStorage(staff), /intake-outbox/, 'it is still waiting for the widget');
  assert.deepEqual(left, []);
  table.push({ name: 'widget-made submission on the staff page with the staff token', left: left.length, outcome: 'not sent' });
  await context.close();
});

test('a staff submission waiting on the device is never sent by the public widget', async () => {
  const { context, left } = await attackedContext();
  const page = await context.newPage();
  await newCaspenPerson(page, 'Staffmade');
  await context.setOffline(true);
  await page.locator('.intake-form button[type="submit"]').click();
  await page.locator('[data-testid="saved-on-device"]').waitFor();
  await page.close();
  await context.setOffline(false);
  const widget = await context.newPage();
  await widget.goto(`${sandbox.baseUrl}/widget?config=caspen-widget`);
  await widget.waitForSelector('[data-question-id="first-name"] input');
  await widget.waitForTimeout(1500);
  const clients = (await sandbox.records('caspen', 'client')).filter((record) => record.body.first_name === 'Staffmade');
  assert.equal(clients.length, 0, 'the widget did not send the staff submission');
  assert.equal(await widget.locator('[data-testid="pending-count"]').count(), 0, 'nor counts it as its own');
  assert.deepEqual(left, []);
  table.push({ name: 'staff-made submission on the public widget', left: left.length, outcome: 'not sent' });
  await context.close();
});

test('staff sign-out leaves no waiting submission, draft or session storage behind', async () => {
  const { context, left } = await attackedContext();
  const page = await context.newPage();
  // The create cannot get through, so the submission waits on the device.
  await page.route('**/caspen/v1/clients', (route) => (route.request().method() === 'POST' ? route.abort('connectionreset') : route.continue()));
  await newCaspenPerson(page, 'Signout');
  await page.locator('.intake-form button[type="submit"]').click();
  await page.locator('[data-testid="saved-on-device"]').waitFor();
  await page.waitForTimeout(600);
  assert.match(await rawStorage(page), /intake-outbox/);
  assert.match(await rawStorage(page), /intake-draft/);
  await page.locator('[data-testid="sign-out"]').click();
  await page.locator('#staff-token').waitFor();
  const stored = await rawStorage(page);
  assert.doesNotMatch(stored, /intake-outbox"|intake-draft/, `nothing of the session is left: ${stored}`);
  assert.equal(await page.evaluate(() => sessionStorage.length), 0);
  assert.deepEqual(left, []);
  table.push({ name: 'staff sign-out with a submission waiting and a draft', left: left.length, outcome: 'outbox entry, drafts and session storage gone' });
  await context.close();
});

/** Signs in to Caspen staff intake, opens the seeded Maria Garcia, types a private note, and waits out the idle lock. */
async function lockWithMariaOpen(page) {
  await page.clock.install();
  await signInAndSearch(page, 'caspen-staff', 'Maria', 'Garcia');
  await page.locator('[data-testid="search-results"] [data-person-id]').first().click();
  await page.waitForSelector('[data-question-id="notes"]');
  await page.locator('[data-question-id="notes"] textarea').fill('Private note');
  await page.waitForTimeout(600);
  await page.clock.fastForward('16:00');
  await page.locator('[data-testid="locked"]').waitFor();
}

for (const [status, body, contentType] of [[503, 'Service Unavailable', 'text/plain'], [404, '<html>Not here</html>', 'text/html'], [200, '<html>Log in</html>', 'text/html']]) {
  test(`the idle lock does not open when the sign-in check answers ${status} ${contentType}, and shows no record while locked`, async () => {
    const { context, left } = await attackedContext();
    const page = await context.newPage();
    await lockWithMariaOpen(page);
    const html = await page.content();
    assert.ok(!html.includes('Maria') && !html.includes('Private note'), 'neither the record nor the answers are in the page while locked');
    // Focus moves to the lock screen's heading once it is drawn.
    await page.waitForFunction(() => document.activeElement?.id === 'locked-title');
    assert.equal(await page.evaluate(() => sessionStorage.length), 0, 'the tab\'s session storage was cleared');
    await page.route('**/caspen/v1/clients*', (route) => route.fulfill({ status, contentType, body }));
    await page.locator('[data-testid="locked"] #staff-token').fill(TOKEN);
    await page.locator('[data-testid="locked"]').getByRole('button', { name: 'Sign in' }).click();
    await page.locator('[data-testid="locked"] #staff-token-error').waitFor();
    assert.match(await page.locator('[data-testid="locked"] #staff-token-error').textContent(), /could not be checked/);
    assert.equal(await page.locator('[data-testid="locked"]').count(), 1, 'still locked');
    assert.equal(await page.locator('[data-question-id]').count(), 0);
    await page.unroute('**/caspen/v1/clients*');
    await page.locator('[data-testid="locked"] #staff-token').fill(TOKEN);
    await page.locator('[data-testid="locked"]').getByRole('button', { name: 'Sign in' }).click();
    await page.locator('[data-testid="locked"]').waitFor({ state: 'detached' });
    assert.equal(await page.locator('[data-question-id="notes"] textarea').inputValue(), 'Private note', 'the same token gets the same session back');
    assert.deepEqual(left, []);
    table.push({ name: `idle lock, sign-in check answers ${status} ${contentType}`, left: left.length, outcome: 'stayed locked; opened only on a real 2xx' });
    await context.close();
  });
}

test('the idle lock opened by another token starts a fresh session', async () => {
  const page = await browser.newPage();
  await lockWithMariaOpen(page);
  // The sandbox accepts any staff token that is not the refused one.
  await page.route('**/caspen/v1/clients*', (route) => route.request().headers().authorization === `Bearer ${TOKEN}`
    ? route.continue()
    : route.fulfill({ status: 200, contentType: 'application/json', body: '{"data": [], "has_more": false}' }));
  await page.locator('[data-testid="locked"] #staff-token').fill('another-staff-token');
  await page.locator('[data-testid="locked"]').getByRole('button', { name: 'Sign in' }).click();
  await page.locator('[data-testid="locked"]').waitFor({ state: 'detached' });
  await page.locator('[data-testid="find-person"]').waitFor();
  assert.equal(await page.locator('[data-question-id="notes"]').count(), 0, 'the other session is not shown');
  assert.match(await page.locator('[data-testid="session-notice"]').textContent(), /different token/);
  table.push({ name: 'idle lock opened with another token', left: 0, outcome: 'fresh session, nothing of the old one shown' });
  await page.close();
});
