// Submitting to each of the five targets through the sandbox, on the release
// build: success, a server-side validation error fixed and sent again, a 503,
// a connection dropped mid-submit followed by a reload, and an expired
// sign-in. Every journey ends with exactly one stored record.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sandboxSuite, axeAudit, watchErrors, signInStaff, startNewPerson, fillDate } from './support.mjs';

let sandbox, browser;
const audit = axeAudit('submit');
const expectAccessible = audit.check;
/** The reliability audit: per fault, journeys, records stored, duplicates, answers lost. */
const reliability = new Map();

/** Counts what one journey left in the sandbox: one record is right, more are duplicates, a different answer is a loss. */
async function account(fault, target, name) {
  const stored = await recordsNamed(target, name);
  const row = reliability.get(fault) ?? { journeys: 0, stored: 0, duplicates: 0, lost: 0 };
  row.journeys += 1;
  row.stored += stored.length;
  row.duplicates += Math.max(0, stored.length - 1);
  row.lost += stored.length === 0 || stored.some((record) => targets[target].lastName(record) !== 'Lee') ? 1 : 0;
  reliability.set(fault, row);
}
const STAFF_TOKEN = 'demo-staff-token';

sandboxSuite(audit, {
  onStart: (started, launched) => { sandbox = started; browser = launched; },
  onEnd: printReliability,
});

function printReliability() {
  console.log('reliability (submit journeys against the sandbox):');
  console.log(`  ${'fault'.padEnd(44)} journeys  records stored  duplicates  answers lost`);
  for (const [fault, row] of reliability) {
    console.log(`  ${fault.padEnd(44)} ${String(row.journeys).padStart(8)}  ${String(row.stored).padStart(14)}  ${String(row.duplicates).padStart(10)}  ${String(row.lost).padStart(12)}`);
  }
}


/** Console lines that are not the page's fault: the browser reports the faults we inject. */
function unexpected(errors) {
  return errors.filter((line) => !/Failed to load resource|ERR_EMPTY_RESPONSE|net::ERR/.test(line));
}

/** Fills answers by question id: text for inputs, an option label for choices, true for a box. */
async function fill(page, answers) {
  for (const [id, value] of Object.entries(answers)) {
    const question = page.locator(`[data-question-id="${id}"]`);
    const select = question.locator('select');
    if (await select.count()) {
      await select.selectOption({ label: value });
    } else if (value === true) {
      await question.locator('input[type="checkbox"]').first().check();
    } else if (await question.locator('input[type="radio"]').count()) {
      await question.getByLabel(value, { exact: true }).check();
    } else if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
      await fillDate(page, id, value);
    } else {
      await question.locator('input, textarea').first().fill(value);
    }
  }
}

const unique = () => `T${Math.random().toString(36).slice(2, 8)}`;

/** The five deployments: where to open them, what to answer, where the record lands. */
const targets = {
  casebook: {
    config: 'casebook-staff.json', route: 'POST /casebook/people/people', kind: 'person', looksBeforeRetry: true,
    answers: (name) => ({ 'first-name': name, 'last-name': 'Lee', email: 'ann@example.org', 'intake.person.hispanic_or_latino': 'No' }),
    invalid: { 'last-name': '' }, invalidQuestion: 'last-name', fix: { 'last-name': 'Lee' },
    firstName: (record) => record.body.first_name, lastName: (record) => record.body.last_name,
  },
  persons_v1: {
    config: 'persons-v1-staff.json', route: 'PUT /persons_v1/api/v1/persons', kind: 'person', looksBeforeRetry: true,
    answers: (name) => ({ 'first-name': name, 'last-name': 'Lee', 'household-size': '3' }),
    invalid: { 'last-name': '' }, invalidQuestion: 'last-name', fix: { 'last-name': 'Lee' },
    firstName: (record) => record.body.firstName, lastName: (record) => record.body.lastName,
  },
  charity_crm: {
    config: 'charity-crm-staff.json', route: 'POST /charity_crm/api/v1/persons', kind: 'person',
    answers: (name) => ({ 'first-name': name, 'last-name': 'Lee', phone: '+31 6 1234 5678' }),
    invalid: { phone: '06 1234' }, invalidQuestion: 'phone', fix: { phone: '+31 6 1234 5678' },
    firstName: (record) => record.body.firstName, lastName: (record) => record.body.lastName,
  },
  caspen: {
    config: 'caspen-staff.json', route: 'POST /caspen/v1/clients', kind: 'client', looksBeforeRetry: true,
    answers: (name) => ({ 'first-name': name, 'last-name': 'Lee', country: 'US', notes: 'Prefers mornings' }),
    invalid: { country: 'USA' }, invalidQuestion: 'country', fix: { country: 'US' },
    firstName: (record) => record.body.first_name, lastName: (record) => record.body.last_name,
  },
  unite_us: {
    config: 'unite-us-staff.json', route: 'POST /unite_us/v3/groups/demo-group/contacts', kind: 'contact', looksBeforeRetry: true,
    lookPath: '/unite_us/v3/groups/demo-group/search/global_contacts',
    answers: (name) => ({
      'first-name': name, 'last-name': 'Lee', 'date-of-birth': '1990-05-06', phone: '5125550199', email: 'ann@example.org',
      'contact-preference': 'Phone call', 'postal-code': '78701', need: 'Food', description: 'Meals please', 'consent-given': true,
      'intake.person.address.line_1': '1 Main St', 'intake.person.address.city': 'Austin', 'intake.person.address.state': 'TX',
    }),
    invalid: { phone: '555' }, invalidQuestion: 'phone', fix: { phone: '5125550199' },
    firstName: (record) => record.body.first_name, lastName: (record) => record.body.last_name,
  },
};

async function openStaff(target) {
  const page = await browser.newPage();
  const errors = watchErrors(page);
  await page.goto(`${sandbox.baseUrl}/staff?config=/config/${targets[target].config}`);
  return { page, errors };
}

const signIn = (page, token = STAFF_TOKEN) => signInStaff(page, token);

async function send(page) {
  await page.locator('.intake-form button[type="submit"]').click();
}

async function recordsNamed(target, name) {
  const records = await sandbox.records(target, targets[target].kind);
  return records.filter((record) => targets[target].firstName(record) === name);
}

for (const target of Object.keys(targets)) {
  const setup = targets[target];

  test(`${target}: a staff submission lands as one record`, async () => {
    const { page, errors } = await openStaff(target);
    await expectAccessible(page, `${target} sign-in`);
    await signIn(page);
    await startNewPerson(page);
    const name = unique();
    await fill(page, setup.answers(name));
    await expectAccessible(page, `${target} filled`);
    await send(page);
    await page.waitForSelector('[data-testid="submitted"]');
    // Focus moves on the next animation frame, so wait for it rather than race it.
    await page.waitForFunction(() => document.activeElement?.dataset?.testid === 'submitted', null, { timeout: 5000 });
    assert.match(await page.locator('[data-testid="reference"]').textContent(), /^[0-9A-F]{8}$/);
    await expectAccessible(page, `${target} sent`);
    await account('none', target, name);
    assert.equal((await recordsNamed(target, name)).length, 1);
    if (target === 'unite_us') {
      const responses = await sandbox.records('unite_us', 'form_response');
      assert.equal(responses.length, 1, 'the form answers were saved for the new contact');
    }
    assert.deepEqual(await page.evaluate(() => localStorage.getItem('intake-outbox')), null, 'nothing is left in the outbox');
    await page.waitForTimeout(500); // longer than the draft's debounce
    assert.deepEqual(await page.evaluate(() => Object.keys(sessionStorage).filter((key) => key.startsWith('intake-draft:'))), [],
      'the draft is deleted once the submission is sent');
    assert.deepEqual(unexpected(errors), []);
    await page.close();
  });

  test(`${target}: a server-side validation error lands on its question, is fixed and sent again`, async () => {
    const { page, errors } = await openStaff(target);
    await signIn(page);
    await startNewPerson(page);
    const name = unique();
    await fill(page, { ...setup.answers(name), ...setup.invalid });
    await send(page);
    await page.waitForFunction(() => document.activeElement?.dataset?.testid === 'error-summary');
    const question = page.locator(`[data-question-id="${setup.invalidQuestion}"]`);
    assert.ok(await question.locator('.error-message').isVisible(), 'the server message is on the question');
    assert.equal(await question.locator('[aria-invalid="true"]').count() > 0, true);
    assert.ok((await page.locator('[data-testid="error-summary"] [data-server-error] a').count()) >= 1, 'the summary links to it');
    await expectAccessible(page, `${target} server error`);
    assert.equal((await recordsNamed(target, name)).length, 0);
    await fill(page, setup.fix);
    assert.equal(await question.locator('.error-message').count(), 0, 'the message clears once the answer changes');
    await send(page);
    await page.waitForSelector('[data-testid="submitted"]');
    await account('422, fixed and sent again', target, name);
    assert.equal((await recordsNamed(target, name)).length, 1);
    assert.deepEqual(unexpected(errors), []);
    await page.close();
  });

  test(`${target}: a 503 is retried after Retry-After and stores one record`, async () => {
    const { page, errors } = await openStaff(target);
    await signIn(page);
    await startNewPerson(page);
    const name = unique();
    await fill(page, setup.answers(name));
    await sandbox.fault({ route: setup.route, fault: '503', count: 1, retry_after: 1 });
    await send(page);
    await page.waitForSelector('[data-testid="saved-on-device"]');
    await page.waitForSelector('[data-testid="submitted"]', { timeout: 10000 });
    await account('503 with Retry-After', target, name);
    assert.equal((await recordsNamed(target, name)).length, 1);
    assert.deepEqual(unexpected(errors), []);
    await page.close();
  });

  // The server stores the create, then drops the connection without a byte of answer.
  // The browser itself may then send the same POST again on another kept-alive
  // connection (Chromium does, taking the silence for an idle socket closed under it),
  // so no page can stop that duplicate; only a server that honours the Idempotency-Key
  // can, and no vendor documents one. So the journey runs twice: as the vendors behave
  // (keys ignored), where what the app itself controls is checked, and behind a
  // gateway that honours keys, where exactly one record must land.
  for (const honoured of [false, true]) {
    const row = `connection dropped, reload (keys ${honoured ? 'honoured' : 'ignored'})`;
    test(`${target}: a connection dropped mid-submit, then a reload, with keys ${honoured ? 'honoured' : 'ignored'}`, async () => {
      if (honoured) await sandbox.honourKeys('all');
      const { page, errors } = await openStaff(target);
      const creates = [];
      const looks = [];
      page.on('request', (request) => {
        const path = new URL(request.url()).pathname;
        if (`${request.method()} ${path}` === setup.route) creates.push(path);
        else if (request.method() === 'GET' && (setup.lookPath ?? setup.route.split(' ')[1]) === path) looks.push(request.url());
      });
      await signIn(page);
      await startNewPerson(page);
      const name = unique();
      await fill(page, setup.answers(name));
      await sandbox.fault({ route: setup.route, fault: 'drop', count: 20 });
      await send(page);
      await page.waitForSelector('[data-testid="saved-on-device"]');
      // Looks made from here on are after the unknown outcome.
      const looksBefore = looks.length;
      await page.reload();
      await sandbox.clearFaults();
      assert.match(await page.locator('[data-testid="pending-count"]').textContent(), /1 submission is saved on this device/);
      await signIn(page);
      await page.waitForFunction(() => localStorage.getItem('intake-outbox') === null, null, { timeout: 15000 });
      await account(row, target, name);
      const stored = await recordsNamed(target, name);
      assert.ok(stored.length >= 1, 'the answers landed');
      if (honoured || target === 'charity_crm') {
        // A gateway's replay, or charity_crm's own uuid (a repeat is a 409).
        assert.equal(stored.length, 1, 'exactly one record');
      } else if (setup.looksBeforeRetry) {
        // The page sent the create once; after the unknown outcome it looked for the
        // record (by its reference, or on Unite US and Casebook by a match on its
        // fields that was not there before the first try) and found it, rather
        // than creating it again.
        assert.equal(creates.length, 1, `the page sent the create once, then looked: ${creates.length} sends`);
        assert.ok(looks.length > looksBefore, 'the list was read for the record');
        if (stored.length > 1) {
          // The browser's own resends made more: staff are told which to remove.
          const note = page.locator('[data-testid="duplicates-made"]');
          await note.waitFor({ timeout: 5000 });
          const text = await note.textContent();
          const ids = stored.map((record) => String(record.id));
          assert.equal(ids.filter((id) => text.includes(id)).length, stored.length - 1, text);
        }
      }
      assert.deepEqual(unexpected(errors), []);
      await page.close();
    });
  }

  test(`${target}: an expired sign-in asks to sign in again and keeps every answer`, async () => {
    const { page, errors } = await openStaff(target);
    await signIn(page);
    await startNewPerson(page);
    const name = unique();
    await fill(page, setup.answers(name));
    await sandbox.fault({ route: setup.route, fault: '401', count: 1 });
    await send(page);
    const status = page.locator('[data-testid="submission-status"]');
    await status.locator('[data-testid="sign-in"]').waitFor();
    assert.match(await status.textContent(), /sign-in has expired/);
    assert.equal(await page.locator('[data-question-id="first-name"] input').inputValue(), name, 'the answers are still on screen');
    await expectAccessible(page, `${target} sign in again`);
    await signIn(page);
    await page.waitForSelector('[data-testid="submitted"]');
    const stored = await recordsNamed(target, name);
    await account('401, sign in again', target, name);
    assert.equal(stored.length, 1);
    assert.deepEqual(unexpected(errors), []);
    await page.close();
  });
}

test('unite_us widget: an assistance request lands with requestor and form responses', async () => {
  const page = await browser.newPage();
  const errors = watchErrors(page);
  await page.goto(`${sandbox.baseUrl}/widget`);
  await page.waitForSelector('[data-question-id]');
  const name = unique();
  await fill(page, {
    ...targets.unite_us.answers(name),
    'intake.person.address.address_type': 'Home',
  });
  await expectAccessible(page, 'widget filled');
  await send(page);
  await page.waitForSelector('[data-testid="submitted"]');
  const requests = await sandbox.records('unite_us', 'assistance_request');
  assert.equal(requests.length, 1);
  const request = requests[0].body;
  assert.equal(request.requestor.first_name, name);
  assert.equal(request.service_type.id, 'st-food-assistance');
  assert.equal(request.requestor.addresses[0].country, 'US');
  assert.ok(request.form_response.responses.length >= 8, 'the form answers travel with the request');
  assert.equal(await page.locator('[data-testid="record-id"]').textContent(), requests[0].id);
  assert.deepEqual(unexpected(errors), []);
  await page.close();
});

test('unite_us widget: a phone number the server refuses is shown on the phone question', async () => {
  const page = await browser.newPage();
  await page.goto(`${sandbox.baseUrl}/widget`);
  await page.waitForSelector('[data-question-id]');
  await fill(page, {
    ...targets.unite_us.answers(unique()), phone: '555',
    'intake.person.address.address_type': 'Home',
  });
  await send(page);
  await page.waitForFunction(() => document.activeElement?.dataset?.testid === 'error-summary');
  assert.match(await page.locator('[data-question-id="phone"] .error-message').textContent(), /too short/);
  assert.equal((await sandbox.records('unite_us', 'assistance_request')).length, 0);
  await page.close();
});

test('a link that tries to configure the widget, or names a configuration the site lacks, is refused', async () => {
  const page = await browser.newPage();
  await page.goto(`${sandbox.baseUrl}/widget?target=casebook&auth=staff_token`);
  assert.match(await page.locator('[data-testid="intake-error-message"]:not(:empty)').textContent(), /\(auth, target\)/);
  await expectAccessible(page, 'link refused');
  await page.goto(`${sandbox.baseUrl}/widget?config=salesforce-widget`);
  assert.match(await page.locator('[data-testid="intake-error-message"]:not(:empty)').textContent(), /names a configuration this site does not have/);
  await expectAccessible(page, 'configuration missing');
  await page.close();
});

test('the preview shows the exact requests for a target, without credentials, live', async () => {
  const page = await browser.newPage();
  await page.goto(`${sandbox.baseUrl}/preview?form=/forms/person-intake.json&target=casebook`);
  await page.waitForSelector('[data-question-id]');
  await fill(page, { 'first-name': 'Ann', 'household-size': '2' });
  const payload = JSON.parse(await page.locator('[data-testid="payload"]').textContent());
  assert.equal(payload.length, 1);
  assert.equal(payload[0].method, 'POST');
  assert.equal(payload[0].url, '/casebook/people/people');
  assert.equal(payload[0].headers['Content-Type'], 'application/vnd.api+json');
  assert.equal(payload[0].headers.Authorization, undefined);
  assert.deepEqual(payload[0].body, { data: { type: 'people', attributes: { first_name: 'Ann' } } });
  assert.match(await page.locator('[data-testid="unstorable"]').textContent(), /How many people live in the household\?/);
  // Beside the requests: what a retry after a failed connection can do to each.
  const delivery = page.locator('[data-testid="delivery"] li');
  assert.equal(await delivery.count(), 1);
  assert.equal(await delivery.first().getAttribute('data-guarantee'), 'at_least_once');
  assert.match(await delivery.first().textContent(), /^Create the person: sent again, which may make a second record/);
  await expectAccessible(page, 'preview with payload');
  for (const [target, guarantee] of [['charity_crm', 'once'], ['caspen&mode=staff', 'looked_for_first'], ['casebook&mode=staff', 'looked_for_first']]) {
    await page.goto(`${sandbox.baseUrl}/preview?form=/forms/person-intake.json&target=${target}`);
    await page.waitForSelector('[data-question-id]');
    await fill(page, { 'first-name': 'Ann', 'last-name': 'Lee' });
    assert.equal(await page.locator('[data-testid="delivery"] li').first().getAttribute('data-guarantee'), guarantee, target);
  }
  await page.close();
});

test('offline: the submission waits on the device and is sent when the connection returns', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${sandbox.baseUrl}/staff?config=/config/caspen-staff.json`);
  await signIn(page);
  await startNewPerson(page);
  const name = unique();
  await fill(page, targets.caspen.answers(name));
  await context.setOffline(true);
  await send(page);
  await page.waitForSelector('[data-testid="saved-on-device"]');
  assert.match(await page.locator('[data-testid="submission-status"]').textContent(), /You are offline/);
  assert.equal((await recordsNamed('caspen', name)).length, 0);
  await context.setOffline(false);
  await page.waitForSelector('[data-testid="submitted"]', { timeout: 10000 });
  await account('offline, then online', 'caspen', name);
  assert.equal((await recordsNamed('caspen', name)).length, 1);
  await context.close();
});

test('two open tabs: a submission being sent by one tab is not sent by the other', async () => {
  const context = await browser.newContext();
  const first = await context.newPage();
  await first.goto(`${sandbox.baseUrl}/staff?config=/config/casebook-staff.json`);
  await signIn(first);
  await startNewPerson(first);
  const name = unique();
  await fill(first, targets.casebook.answers(name));
  await sandbox.fault({ route: targets.casebook.route, fault: 'latency', count: 1, latency_ms: 2500 });
  await send(first);
  await first.waitForFunction(() => localStorage.getItem('intake-outbox')?.includes('claimed_by'));
  // The second tab finds the stored submission at sign-in and leaves it to the tab sending it.
  const second = await context.newPage();
  const writesFromSecond = [];
  second.on('request', (request) => { if (request.method() !== 'GET') writesFromSecond.push(request.url()); });
  await second.goto(`${sandbox.baseUrl}/staff?config=/config/casebook-staff.json`);
  await signIn(second);
  await first.waitForSelector('[data-testid="submitted"]', { timeout: 10000 });
  await second.waitForTimeout(500);
  await account('two tabs', 'casebook', name);
  assert.equal((await recordsNamed('casebook', name)).length, 1);
  assert.deepEqual(writesFromSecond, [], 'the second tab sent nothing');
  await context.close();
});
