// The organisation's gateway (`intake-gateway`, on the demo configuration)
// behind the sandbox's /gateway/..., with the sandbox ignoring idempotency
// keys as the vendors do: the public widget for each target without a
// public token lands exactly one record per submission across the faults,
// with no credential in the browser; the public can do nothing but create;
// CORS answers the configured origin only; floods and oversized bodies are
// refused; no log line holds a token or an answer; staff reach a vendor
// through the gateway's pass-through with their own sign-in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sandboxSuite, axeAudit, watchErrors, startGateway, signInStaff, startNewPerson } from './support.mjs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request as httpRequest } from 'node:http';

/**
 * POSTs `body` and resolves with the answer's status. The body waits for the
 * server's "100 Continue" (`Expect: 100-continue`), as a client sending a
 * large body should: a server that refuses it by its declared length answers
 * at once, and the body is never written. Written anyway, the server would
 * close while it was still arriving, and the answer could be lost.
 */
function postStatus(url, headers, body) {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(url, {
      method: 'POST',
      headers: { ...headers, 'content-length': Buffer.byteLength(body), expect: '100-continue' },
    }, (response) => {
      response.resume();
      resolve(response.statusCode);
      outgoing.destroy();
    });
    outgoing.on('continue', () => outgoing.end(body));
    outgoing.on('error', reject);
    outgoing.flushHeaders();
  });
}

let sandbox, browser;
const audit = axeAudit('gateway');
const expectAccessible = audit.check;
/** Per fault: journeys, records stored, duplicates, answers lost. */
const reliability = new Map();
/** Every name and address a journey typed, to look for in the gateway's log. */
const typed = new Set();

sandboxSuite(audit, {
  onStart: (started, launched) => { sandbox = started; browser = launched; },
  onEnd: () => {
    console.log('reliability (public widget through the gateway, vendor ignoring idempotency keys):');
    console.log(`  ${'fault'.padEnd(30)} journeys  records stored  duplicates  answers lost`);
    for (const [fault, row] of reliability) {
      console.log(`  ${fault.padEnd(30)} ${String(row.journeys).padStart(8)}  ${String(row.stored).padStart(14)}  ${String(row.duplicates).padStart(10)}  ${String(row.lost).padStart(12)}`);
    }
  },
});

const unique = () => `G${Math.random().toString(36).slice(2, 8)}`;

/** The four targets whose widget needs the gateway: where it is configured, what it asks, where the record lands. */
const targets = {
  caspen: {
    config: 'caspen-widget.json', route: 'POST /caspen/v1/clients', kind: 'client',
    answers: (name) => ({ 'first-name': name, 'last-name': 'Lee', email: 'ada@example.org', 'intake.consent.privacy_policy': true }),
    firstName: (record) => record.body.first_name, lastName: (record) => record.body.last_name,
  },
  casebook: {
    config: 'casebook-widget.json', route: 'POST /casebook/people/people', kind: 'person',
    answers: (name) => ({ 'first-name': name, 'last-name': 'Lee', email: 'ada@example.org' }),
    firstName: (record) => record.body.first_name, lastName: (record) => record.body.last_name,
  },
  persons_v1: {
    config: 'persons-v1-widget.json', route: 'PUT /persons_v1/api/v1/persons', kind: 'person',
    answers: (name) => ({ 'first-name': name, 'last-name': 'Lee', 'household-size': '3' }),
    firstName: (record) => record.body.firstName, lastName: (record) => record.body.lastName,
  },
  charity_crm: {
    config: 'charity-crm-widget.json', route: 'POST /charity_crm/api/v1/persons', kind: 'person',
    answers: (name) => ({ 'first-name': name, 'last-name': 'Lee', phone: '+31 6 1234 5678' }),
    firstName: (record) => record.body.firstName, lastName: (record) => record.body.lastName,
  },
};

/** The faults the vendor's route shows the gateway; `drop` and `500` come after the write is (or may be) stored. */
const faults = [
  { name: 'none' },
  { name: '503 with Retry-After', fault: { fault: '503', count: 1, retry_after: 1 } },
  { name: '500', fault: { fault: '500', count: 1 } },
  { name: 'connection dropped after storing', fault: { fault: 'drop', count: 1 } },
];

async function fill(page, answers) {
  for (const [id, value] of Object.entries(answers)) {
    const question = page.locator(`[data-question-id="${id}"]`);
    if (value === true) await question.locator('input[type="checkbox"]').first().check();
    else await question.locator('input, textarea').first().fill(value);
  }
}

async function recordsNamed(target, name) {
  const records = await sandbox.records(target, targets[target].kind);
  return records.filter((record) => targets[target].firstName(record) === name);
}

for (const [target, setup] of Object.entries(targets)) {
  for (const { name: faultName, fault } of faults) {
    test(`${target} widget through the gateway, fault ${faultName}: exactly one record, no credential in the browser`, async () => {
      const page = await browser.newPage();
      const errors = watchErrors(page);
      const credentialed = [];
      const creates = [];
      page.on('request', (request) => {
        if (request.headers().authorization) credentialed.push(request.url());
        if (new URL(request.url()).pathname.startsWith('/gateway/') && request.method() !== 'OPTIONS') creates.push(request.url());
      });
      await page.goto(`${sandbox.baseUrl}/widget?config=/config/${setup.config}`);
      await page.waitForSelector('[data-question-id="first-name"]');
      const name = unique();
      typed.add(name);
      await fill(page, setup.answers(name));
      if (faultName === 'none') await expectAccessible(page, `${target} widget filled`);
      if (fault) await sandbox.fault({ route: setup.route, ...fault });
      await page.locator('.intake-form button[type="submit"]').click();
      await page.waitForSelector('[data-testid="submitted"]', { timeout: 30000 });
      if (faultName === 'none') await expectAccessible(page, `${target} widget sent`);
      const stored = await recordsNamed(target, name);
      const row = reliability.get(faultName) ?? { journeys: 0, stored: 0, duplicates: 0, lost: 0 };
      row.journeys += 1;
      row.stored += stored.length;
      row.duplicates += Math.max(0, stored.length - 1);
      row.lost += stored.length === 0 || stored.some((record) => setup.lastName(record) !== 'Lee') ? 1 : 0;
      reliability.set(faultName, row);
      assert.equal(stored.length, 1, `exactly one record (the page sent ${creates.length} requests to the gateway)`);
      // The fault happened: the page had to send again, and after a stored-then-lost
      // create the gateway answered the repeat without a second create.
      if (fault) assert.ok(creates.length >= 2, `the page sent again after the fault: ${creates.length}`);
      assert.deepEqual(credentialed, [], 'the browser sent no credential: the gateway adds it');
      assert.deepEqual(errors.filter((line) => !/Failed to load resource|net::ERR/.test(line)), []);
      await page.close();
    });
  }
}

/** A request to the gateway through the sandbox's origin, as a page there would make it. */
async function call(method, path, { body, headers = {} } = {}) {
  const response = await fetch(`${sandbox.baseUrl}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

test('the public can only create: reads, searches, updates, deletes, other paths and method overrides are refused', async () => {
  const before = (await sandbox.records('caspen', 'client')).length;
  const key = { 'idempotency-key': `${unique()}-1` };
  const client = { first_name: 'Eve', last_name: 'Lee' };
  for (const [method, path, extra] of [
    ['GET', '/gateway/caspen/v1/clients'],
    ['GET', '/gateway/caspen/v1/clients?limit=100'],
    ['GET', '/gateway/caspen/v1/clients/cli_1'],
    ['POST', '/gateway/caspen/v1/clients/cli_1', { body: client, headers: key }],
    ['PATCH', '/gateway/casebook/people/people/1', { body: { data: { type: 'people', id: '1', attributes: { first_name: 'Eve' } } }, headers: key }],
    ['DELETE', '/gateway/casebook/people/people/1'],
    ['GET', '/gateway/persons_v1/api/v1/persons'],
    ['PUT', '/gateway/persons_v1/api/v1/persons/1', { body: { data: { firstName: 'Eve', lastName: 'Lee' } }, headers: key }],
    ['GET', '/gateway/charity_crm/api/v1/persons'],
    ['POST', '/gateway/caspen/v1/clients?_method=GET', { body: client, headers: key }],
    ['POST', '/gateway/caspen/v1/clients', { body: client, headers: { ...key, 'x-http-method-override': 'GET' } }],
    ['POST', '/gateway/caspen/v1/clients/', { body: client, headers: key }],
    ['POST', '/gateway/caspen/v1/%63lients', { body: client, headers: key }],
  ]) {
    const answer = await call(method, path, extra);
    assert.equal(answer.status, 403, `${method} ${path}: ${answer.text}`);
    assert.match(JSON.parse(answer.text).message, /create records only/);
  }
  // An upsert naming someone's personId would change their record.
  const upsert = await call('PUT', '/gateway/persons_v1/api/v1/persons', {
    body: { data: [{ personId: 1, firstName: 'Eve', lastName: 'Lee' }] }, headers: key,
  });
  assert.equal(upsert.status, 422, upsert.text);
  // A browser's credential is not the gateway's: it never reaches the vendor.
  const withToken = await call('POST', '/gateway/caspen/v1/clients', {
    body: { first_name: 'Mallory', last_name: 'Lee' }, headers: { 'idempotency-key': `${unique()}-1`, authorization: 'Bearer stolen-token' },
  });
  assert.equal(withToken.status, 201, withToken.text);
  assert.equal((await sandbox.records('caspen', 'client')).length, before + 1, 'only the create landed');
});

test('CORS answers the configured origins only', async () => {
  const preflight = (origin) => fetch(`${sandbox.gateway.url}/gateway/caspen/v1/clients`, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, idempotency-key' },
  });
  const allowed = await preflight(sandbox.baseUrl);
  assert.equal(allowed.status, 204);
  assert.equal(allowed.headers.get('access-control-allow-origin'), sandbox.baseUrl);
  assert.match(allowed.headers.get('access-control-allow-methods'), /POST/);
  assert.match(allowed.headers.get('access-control-allow-headers'), /idempotency-key/);
  const foreign = await preflight('https://attacker.example');
  assert.equal(foreign.status, 403);
  assert.equal(foreign.headers.get('access-control-allow-origin'), null);
  const post = await fetch(`${sandbox.gateway.url}/gateway/caspen/v1/clients`, {
    method: 'POST',
    headers: { origin: 'https://attacker.example', 'content-type': 'application/json', 'idempotency-key': `${unique()}-1` },
    body: JSON.stringify({ first_name: 'Eve', last_name: 'Lee' }),
  });
  assert.equal(post.status, 403);
  assert.equal((await sandbox.records('caspen', 'client')).filter((record) => record.body.first_name === 'Eve').length, 0);
});

test('a flood of posts is throttled, and a 3 MB body is refused before it is read', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'intake-e2e-gateway-'));
  const gateway = await startGateway({
    upstreamOrigin: sandbox.baseUrl,
    dataDir,
    adjust: (text) => text.replace(/public_requests_per_minute = \d+/, 'public_requests_per_minute = 5')
      .replace(/public_burst = \d+/, 'public_burst = 3'),
  });
  try {
    const statuses = [];
    let retryAfter = null;
    for (let attempt = 0; attempt < 8; attempt += 1) {
      const response = await fetch(`${gateway.url}/gateway/caspen/v1/clients`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': `flood-${attempt}` },
        body: JSON.stringify({ first_name: `Flood${attempt}`, last_name: 'Lee' }),
      });
      statuses.push(response.status);
      if (response.status === 429) retryAfter = response.headers.get('retry-after');
    }
    assert.deepEqual(statuses.slice(0, 3), [201, 201, 201], String(statuses));
    assert.ok(statuses.slice(3).every((status) => status === 429), String(statuses));
    assert.ok(Number(retryAfter) >= 1, `Retry-After: ${retryAfter}`);
    const large = await postStatus(`${sandbox.gateway.url}/gateway/caspen/v1/clients`,
      { 'content-type': 'application/json', 'idempotency-key': `${unique()}-1` },
      JSON.stringify({ first_name: 'Big', last_name: 'Lee', notes: 'x'.repeat(3 * 1024 * 1024) }));
    assert.equal(large, 413);
    assert.equal((await sandbox.records('caspen', 'client')).filter((record) => record.body.first_name === 'Big').length, 0);
  } finally {
    await gateway.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('staff reach Caspen through the gateway with their own sign-in, and the record lands once', async () => {
  const page = await browser.newPage();
  const errors = watchErrors(page);
  const paths = [];
  page.on('request', (request) => paths.push(new URL(request.url()).pathname));
  await page.goto(`${sandbox.baseUrl}/staff?config=/config/caspen-staff-gateway.json`);
  await signInStaff(page, 'demo-staff-token');
  await startNewPerson(page);
  const name = unique();
  typed.add(name);
  await fill(page, { 'first-name': name, 'last-name': 'Lee', 'intake.consent.privacy_policy': true });
  await page.locator('.intake-form button[type="submit"]').click();
  await page.waitForSelector('[data-testid="submitted"]');
  await expectAccessible(page, 'staff through the gateway, sent');
  assert.equal((await recordsNamed('caspen', name)).length, 1);
  assert.ok(paths.some((path) => path === '/gateway/staff/caspen/v1/clients'), 'the create went through the gateway');
  assert.ok(!paths.some((path) => path.startsWith('/caspen/')), 'nothing went to the vendor directly');
  assert.deepEqual(errors, []);
  await page.close();
});

// Last: every journey above has written to the log by now.
test('no gateway log line holds a token, a body or an answer', async () => {
  const log = sandbox.gateway.log();
  assert.match(log, /POST/, 'the log has the requests');
  // The dropped connections were settled by looking, for the three targets that allow it.
  assert.equal(log.match(/an earlier attempt had made the record/g)?.length, 3, 'caspen, casebook and persons_v1 found their record');
  for (const secret of ['demo-staff-token', 'stolen-token', 'Bearer', 'eyJ']) {
    assert.ok(!log.includes(secret), `the log holds ${secret}`);
  }
  for (const word of [...typed, 'ada@example.org', 'Mallory', '+31 6 1234 5678', 'Intake reference']) {
    assert.ok(!log.includes(word), `the log holds what a person typed: ${word}`);
  }
});
