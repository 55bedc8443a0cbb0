// Staff intake on each target, by keyboard alone: sign in, find a seeded
// person, open and update them (only what changed is sent), then create a new
// person after the possible-duplicate warning. Afterwards no storage, URL or
// console line holds the token.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sandboxSuite, axeAudit, watchErrors, keyboard, typeDate } from './support.mjs';

let sandbox, browser;
const audit = axeAudit('staff');
const expectAccessible = audit.check;
let tokenChecks = 0;
const TOKEN = 'demo-staff-token';

sandboxSuite(audit, {
  onStart: (started, launched) => { sandbox = started; browser = launched; },
  onEnd: () => console.log(`security: after ${tokenChecks} staff journeys no storage, URL, request URL or console line held the token`),
});


/** Presses Tab until the element with this id has focus. */
async function tabToId(page, id) {
  for (let presses = 0; presses < 60 && (await page.evaluate(() => document.activeElement?.id)) !== id; presses += 1) {
    await page.keyboard.press('Tab');
  }
  assert.equal(await page.evaluate(() => document.activeElement?.id), id, `Tab never reached #${id}`);
}

/** Presses Tab until focus is on an element matching the selector. */
async function tabToMatch(page, selector) {
  const matches = () => page.evaluate((wanted) => Boolean(document.activeElement?.matches(wanted)), selector);
  for (let presses = 0; presses < 80 && !(await matches()); presses += 1) await page.keyboard.press('Tab');
  assert.ok(await matches(), `Tab never reached ${selector}`);
}

/** Replaces the text of the focused field by keyboard. */
async function retype(page, text) {
  await page.keyboard.press('Control+A');
  await page.keyboard.type(text);
}

const targets = {
  casebook: { config: 'casebook-staff.json', kind: 'person', email: (r) => r.body.email, first: (r) => r.body.first_name },
  persons_v1: { config: 'persons-v1-staff.json', kind: 'person', email: (r) => r.body.information, first: (r) => r.body.firstName },
  charity_crm: { config: 'charity-crm-staff.json', kind: 'person', email: (r) => r.body.email, first: (r) => r.body.firstName },
  caspen: { config: 'caspen-staff.json', kind: 'client', email: (r) => r.body.email, first: (r) => r.body.first_name },
  unite_us: {
    config: 'unite-us-staff.json', kind: 'contact', email: (r) => r.body.email_addresses?.[0]?.email_address, first: (r) => r.body.first_name,
    // No form is configured: the staff member picks the service type, and the
    // intake forms for it are listed (the group's own, from the API).
    pickForm: async (page) => {
      const formNames = () => page.locator('#intake-form option').allTextContents();
      const status = page.locator('#intake-form-status');
      assert.deepEqual(await formNames(), ['Request assistance', 'Housing and food screener', "None: the person's details only"]);
      await tabToId(page, 'service-type');
      const chooseByArrows = async (value) => {
        for (let presses = 0; presses < 12 && (await page.locator('#service-type').inputValue()) !== value; presses += 1) {
          await page.keyboard.press('ArrowDown');
        }
        assert.equal(await page.locator('#service-type').inputValue(), value);
      };
      await chooseByArrows('st-rental-assistance');
      await page.waitForFunction(() => document.querySelector('#intake-form-status')?.textContent.startsWith('2 intake forms'));
      await chooseByArrows('st-employment');
      await page.waitForFunction(() => document.querySelector('#intake-form-status')?.textContent.startsWith('1 intake form'));
      assert.deepEqual(await formNames(), ['Request assistance', "None: the person's details only"], 'only the forms for Employment');
      assert.equal(await page.locator('#intake-form').inputValue(), 'demo-assistance-request');
      assert.match(await status.textContent(), /1 intake form to choose from/);
    },
    // The Unite US intake form asks more than the person; answered by keyboard too.
    more: async (page, { tabTo }) => {
      await tabTo('contact-preference'); await page.keyboard.press('Space');
      await tabTo('postal-code'); await retype(page, '78701');
      await tabTo('need'); await page.keyboard.press('ArrowDown');
      await tabTo('description'); await retype(page, 'Needs groceries this week.');
      await tabTo('consent-given'); await page.keyboard.press('Space');
      await tabTo('intake.person.address.line_1'); await retype(page, '1 Main St');
      await tabTo('intake.person.address.city'); await retype(page, 'Austin');
      await tabTo('intake.person.address.state'); await retype(page, 'TX');
    },
  },
};

async function signInByKeyboard(page) {
  await tabToId(page, 'staff-token');
  // Each screen names itself in the title, then the deployment.
  await page.waitForFunction(() => document.title.startsWith('Sign in – '));
  await page.keyboard.type(TOKEN);
  await page.keyboard.press('Enter');
  await page.waitForSelector('[data-testid="find-person"]');
  await page.waitForFunction(() => document.title.startsWith('Find the person first – '));
  // A screen reader says where the staff member is now: focus is on the new screen's heading.
  await page.waitForFunction(() => document.activeElement?.id === 'find-title');
}

async function searchByKeyboard(page, first, last) {
  await tabToId(page, 'find-first'); await retype(page, first);
  await tabToId(page, 'find-last'); await retype(page, last);
  await page.keyboard.press('Enter');
  await page.waitForSelector('[data-testid="search-results"] [data-testid="new-person"]');
}

function watchTokenLeaks(page) {
  const lines = [];
  page.on('console', (message) => lines.push(message.text()));
  page.on('request', (request) => lines.push(request.url()));
  return lines;
}

async function assertNoTokenLeft(page, lines) {
  const stored = await page.evaluate(() => JSON.stringify({ local: { ...localStorage }, session: { ...sessionStorage }, url: location.href }));
  assert.ok(!stored.includes(TOKEN), 'no storage or URL holds the token');
  assert.ok(!lines.some((line) => line.includes(TOKEN)), 'no console line or request URL holds the token');
  tokenChecks += 1;
}

/** Opens the target's staff page, signs in and searches for the seeded Maria Garcia, all by keyboard. */
async function searchForMaria(setup) {
  const page = await browser.newPage();
  const errors = watchErrors(page);
  const lines = watchTokenLeaks(page);
  await page.goto(`${sandbox.baseUrl}/staff?config=/config/${setup.config}`);
  await signInByKeyboard(page);
  if (setup.pickForm) await setup.pickForm(page);
  await searchByKeyboard(page, 'Maria', 'Garcia');
  return { page, errors, lines };
}

for (const [target, setup] of Object.entries(targets)) {
  test(`${target}: find a seeded person by keyboard, update them, and only what changed is sent`, async () => {
    const { page, errors, lines } = await searchForMaria(setup);
    const results = page.locator('[data-testid="search-results"] [data-person-id]');
    assert.equal(await results.count(), 1, 'the seeded Maria Garcia is found');
    assert.match(await results.first().textContent(), /Maria Garcia/);
    await expectAccessible(page, `${target} search results`);
    await tabToMatch(page, '[data-person-id]');
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-question-id="first-name"]');
    assert.equal(await page.locator('[data-question-id="first-name"] input').inputValue(), 'Maria', 'the record is prefilled');
    assert.match(await page.locator('[data-testid="person-bar"]').textContent(), /Editing Maria Garcia/);
    await page.waitForFunction(() => document.activeElement?.id === 'person-title');
    assert.equal(await page.evaluate(() => document.activeElement.tagName), 'H2', 'focus is on the heading that says whose form this is');
    const before = (await sandbox.records(target, setup.kind)).find((record) => setup.first(record) === 'Maria');
    const { tabTo } = keyboard(page);
    await tabTo('email'); await retype(page, 'maria.new@example.org');
    if (setup.more) await setup.more(page, { tabTo });
    const changes = await page.locator('[data-testid="changes"]').textContent();
    assert.match(changes, /Email address: .* → maria\.new@example\.org/, 'what will change is shown before saving');
    await expectAccessible(page, `${target} editing`);
    await page.keyboard.press('Control+s');
    await page.waitForSelector('[data-testid="submitted"]');
    if (target === 'persons_v1') {
      assert.match(await page.locator('[data-testid="upsert-status"]').textContent(), /updated the record/, 'the upsert status is shown');
    }
    const records = (await sandbox.records(target, setup.kind)).filter((record) => setup.first(record) === 'Maria');
    assert.equal(records.length, 1, 'updated, not created');
    assert.match(String(setup.email(records[0])), /maria\.new@example\.org/);
    if (target === 'persons_v1') {
      // The answers go after what the record's information already said, never over it.
      const earlier = before.body.information.trimEnd();
      assert.ok(earlier.length > 0);
      assert.ok(records[0].body.information.startsWith(`${earlier}\n\n`), `kept: ${records[0].body.information}`);
    }
    if (target !== 'persons_v1' && target !== 'unite_us') {
      // Everything but the email (and the server's own timestamps) is as it was.
      const changed = Object.keys(records[0].body).filter((key) => !/updated|email|Email/i.test(key)
        && JSON.stringify(records[0].body[key]) !== JSON.stringify(before.body[key]));
      assert.deepEqual(changed, [], 'only the email changed');
    }
    if (target === 'unite_us') {
      const responses = await sandbox.records('unite_us', 'form_response');
      assert.equal(responses.length, 1, 'the intake form answers were saved for the contact');
      // Opening the contact again brings back the form with the answers given.
      await tabToMatch(page, '[data-testid="submitted"] button');
      await page.keyboard.press('Enter');
      // The form chosen stays chosen for the next person, with its list.
      await page.waitForSelector('#service-type');
      assert.equal(await page.locator('#service-type').inputValue(), 'st-employment');
      assert.equal(await page.locator('#intake-form').inputValue(), 'demo-assistance-request');
      assert.equal(await page.locator('#intake-form option').count(), 2);
      await searchByKeyboard(page, 'Maria', 'Garcia');
      await tabToMatch(page, '[data-person-id]');
      await page.keyboard.press('Enter');
      await page.waitForSelector('[data-question-id="description"]');
      assert.equal(await page.locator('[data-question-id="description"] textarea').inputValue(), 'Needs groceries this week.',
        'the earlier response is prefilled');
      assert.equal(await page.locator('[data-question-id="email"] input').inputValue(), 'maria.new@example.org');
    }
    await assertNoTokenLeft(page, lines);
    assert.deepEqual(errors, []);
    await page.close();
  });

  test(`${target}: creating someone who may exist warns first, then creates on request`, async () => {
    const { page, errors, lines } = await searchForMaria(setup);
    await tabToMatch(page, '[data-testid="new-person"]');
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-question-id="first-name"]');
    assert.equal(await page.locator('[data-question-id="last-name"] input').inputValue(), 'Garcia', 'the search fills the new person in');
    const { tabTo } = keyboard(page);
    await tabTo('date-of-birth'); await typeDate(page.keyboard, '1985-04-12');
    await tabTo('email'); await retype(page, 'maria.two@example.org');
    if (setup.more) await setup.more(page, { tabTo });
    await page.keyboard.press('Control+s');
    const warning = page.locator('[data-testid="possible-duplicates"]');
    await warning.waitFor();
    assert.match(await warning.textContent(), /Maria Garcia, born 1985-04-12/);
    await expectAccessible(page, `${target} possible duplicate`);
    assert.equal((await sandbox.records(target, setup.kind)).filter((record) => setup.first(record) === 'Maria').length, 1, 'nothing created yet');
    await tabToMatch(page, '[data-testid="create-anyway"]');
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-testid="submitted"]');
    if (target === 'persons_v1') {
      assert.match(await page.locator('[data-testid="upsert-status"]').textContent(), /created a new record/);
    }
    const marias = (await sandbox.records(target, setup.kind)).filter((record) => setup.first(record) === 'Maria');
    assert.equal(marias.length, 2, 'the staff member chose to create a second Maria Garcia');
    // Both are found now, and the arrow keys move between them.
    await tabToMatch(page, '[data-testid="submitted"] button');
    await page.keyboard.press('Enter');
    await searchByKeyboard(page, 'Maria', 'Garcia');
    const found = page.locator('[data-testid="search-results"] [data-person-id]');
    assert.equal(await found.count(), 2);
    const focusedPerson = () => page.evaluate(() => document.activeElement?.dataset.personId);
    const ids = await found.evaluateAll((buttons) => buttons.map((button) => button.dataset.personId));
    await tabToMatch(page, '[data-person-id]');
    assert.equal(await focusedPerson(), ids[0]);
    await page.keyboard.press('ArrowDown');
    assert.equal(await focusedPerson(), ids[1], 'Down moves to the next person');
    await page.keyboard.press('ArrowDown');
    assert.equal(await focusedPerson(), ids[1], 'Down stays on the last person');
    await page.keyboard.press('ArrowUp');
    assert.equal(await focusedPerson(), ids[0], 'Up moves back');
    await page.keyboard.press('End');
    assert.equal(await focusedPerson(), ids[1], 'End goes to the last person');
    await assertNoTokenLeft(page, lines);
    assert.deepEqual(errors, []);
    await page.close();
  });
}

// Targets without a name filter are searched by reading the whole list; with 250 more
// people the seeded (oldest) and the last added (newest) are on different pages, in
// whichever order the vendor lists, and both must be found.
const CROWD = 250;
const crowds = {
  charity_crm: (i) => ({ id: `c0000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    body: { uuid: `c0000000-0000-4000-8000-${String(i).padStart(12, '0')}`, firstName: `Filler${i}`, lastName: 'Crowd',
      dateOfBirth: null, createdAt: `2025-01-01T00:${String(Math.floor(i / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}Z` } }),
  caspen: (i) => ({ id: `cli_01HQFQ9QWTNNPY58FZ8C${String(i).padStart(6, '0')}`,
    body: { id: `cli_01HQFQ9QWTNNPY58FZ8C${String(i).padStart(6, '0')}`, first_name: `Filler${i}`, last_name: 'Crowd', notes: null } }),
  persons_v1: (i) => ({ id: String(1000 + i),
    body: { personId: 1000 + i, firstName: `Filler${i}`, lastName: 'Crowd', userName: '', information: '', active: true } }),
};
for (const [target, filler] of Object.entries(crowds)) {
  test(`${target}: among ${CROWD} more people, the oldest and the newest are found, and the count searched is said`, async () => {
    const setup = targets[target];
    await sandbox.addRecords(target, setup.kind, Array.from({ length: CROWD }, (_, i) => filler(i)));
    const { page, errors } = await searchForMaria(setup);
    const results = page.locator('[data-testid="search-results"] [data-person-id]');
    assert.equal(await results.count(), 1, 'the seeded Maria Garcia is found');
    assert.match(await page.locator('[data-testid="records-searched"]').textContent(), /Searched all \d+ records\./);
    const searched = Number((await page.locator('[data-testid="records-searched"]').textContent()).match(/\d+/)[0]);
    assert.ok(searched >= CROWD + 5, `every record was read: ${searched}`);
    await expectAccessible(page, `${target} searched a whole list`);
    await searchByKeyboard(page, `Filler${CROWD - 1}`, 'Crowd');
    assert.equal(await results.count(), 1, 'the newest is found too');
    assert.match(await results.first().textContent(), new RegExp(`Filler${CROWD - 1} Crowd`));
    assert.deepEqual(errors, []);
    await page.close();
  });
}

// A deployment whose vendor lacks an assumed route switches it off (`paths`: null);
// the staff page then says what it cannot do, instead of failing when it is tried.
async function withPaths(page, config, paths) {
  await page.route((url) => url.pathname === `/config/${config}`, async (route) => {
    const response = await route.fetch();
    const json = await response.json();
    await route.fulfill({ response, json: { ...json, paths } });
  });
}

test('a date of birth that is not a real date is left out of the search, and the staff member is told', async () => {
  const page = await browser.newPage();
  const errors = watchErrors(page);
  await page.goto(`${sandbox.baseUrl}/staff?config=/config/caspen-staff.json`);
  await signInByKeyboard(page);
  const find = page.locator('[data-testid="find-person"] form');
  for (const [label, value] of [['Month', '02'], ['Day', '30'], ['Year', '1985']]) {
    await find.getByLabel(label, { exact: true }).fill(value);
  }
  await searchByKeyboard(page, 'Maria', 'Garcia');
  assert.match(await page.locator('[data-testid="find-person"] .error-message').textContent(), /not a real date, so the search left it out/);
  assert.match(await page.locator('[data-testid="search-results"]').textContent(), /Maria Garcia/, 'the search ran without it');
  await expectAccessible(page, 'find with a date left out');
  assert.deepEqual(errors, []);
  await page.close();
});

test('a deployment without an update route lists the people found, says why they cannot be opened', async () => {
  const page = await browser.newPage();
  const errors = watchErrors(page);
  await withPaths(page, 'caspen-staff.json', { update_person: null });
  await page.goto(`${sandbox.baseUrl}/staff?config=/config/caspen-staff.json`);
  await signInByKeyboard(page);
  await searchByKeyboard(page, 'Maria', 'Garcia');
  assert.match(await page.locator('[data-testid="update-switched-off"]').textContent(), /does not update people in Caspen/);
  assert.equal(await page.locator('[data-testid="search-results"] button[data-person-id]').count(), 0, 'nobody can be opened for an update');
  assert.match(await page.locator('[data-testid="search-results"] li[data-person-id]').first().textContent(), /Maria Garcia/);
  await expectAccessible(page, 'caspen without update');
  assert.deepEqual(errors, []);
  await page.close();
});

test('a deployment without a search route says so and goes straight to a new person', async () => {
  const page = await browser.newPage();
  const errors = watchErrors(page);
  await withPaths(page, 'unite-us-staff.json', { find_people: null });
  await page.goto(`${sandbox.baseUrl}/staff?config=/config/unite-us-staff.json`);
  await signInByKeyboard(page);
  assert.match(await page.locator('[data-testid="search-switched-off"]').textContent(), /does not search Unite US/);
  assert.equal(await page.locator('#find-first').count(), 0);
  await expectAccessible(page, 'unite us without search');
  await page.locator('[data-testid="new-person"]').click();
  await page.waitForSelector('[data-question-id="first-name"]');
  assert.deepEqual(errors, []);
  await page.close();
});

/** On a fake clock: signs in to Caspen, starts a new person and types a note, as the idle journeys begin. */
async function typeNoteUnderFakeClock(page) {
  await page.clock.install();
  await page.goto(`${sandbox.baseUrl}/staff?config=/config/caspen-staff.json`);
  await signInByKeyboard(page);
  await searchByKeyboard(page, 'Ann', 'Lee');
  await page.locator('[data-testid="new-person"]').click();
  await page.waitForSelector('[data-question-id="notes"]');
  await page.locator('[data-question-id="notes"] textarea').fill('Prefers mornings');
}

test('an idle staff screen locks, forgets the token and keeps the answers', async () => {
  const page = await browser.newPage();
  await typeNoteUnderFakeClock(page);
  // The demo configuration locks after the default 15 minutes without input.
  await page.clock.fastForward('16:00');
  await page.locator('[data-testid="locked"]').waitFor();
  assert.ok(await page.locator('[data-question-id="notes"]').isHidden(), 'the form is out of sight while locked');
  await expectAccessible(page, 'locked');
  await page.locator('[data-testid="locked"] #staff-token').fill(TOKEN);
  await page.locator('[data-testid="locked"]').getByRole('button', { name: 'Sign in' }).click();
  await page.locator('[data-testid="locked"]').waitFor({ state: 'detached' });
  assert.equal(await page.locator('[data-question-id="notes"] textarea').inputValue(), 'Prefers mornings', 'nothing typed was lost');
  await page.close();
});

test('a minute before the idle lock a dialog warns; staying signed in keeps the screen, and reading counts as activity', async () => {
  const page = await browser.newPage();
  const errors = watchErrors(page);
  await typeNoteUnderFakeClock(page);
  const warningOpen = () => page.evaluate(() => Boolean(document.querySelector('[data-testid="idle-warning"]')?.open));
  // A focus moved or a dialog closed may scroll the page, and the browser delivers that scroll
  // on its own (real) frames, where it counts as activity at the fake time it arrives; so real
  // frames pass before each jump of the fake clock, and no late scroll lands after one.
  const jump = async (time) => {
    // Node's own timer: the page's, waitForTimeout's included, may be the fake clock's.
    await new Promise((resolve) => setTimeout(resolve, 500));
    await page.clock.fastForward(time);
  };
  // Ten minutes in, focus moves as a screen reader's reading mode moves it: that is activity.
  await jump('10:00');
  await page.locator('[data-question-id="first-name"] input').focus();
  await jump('10:00');
  assert.equal(await warningOpen(), false, 'no warning ten minutes after focus moved');
  assert.equal(await page.locator('[data-testid="locked"]').count(), 0, 'not locked 20 minutes after typing: reading counted');
  // The demo configuration locks after 15 minutes: at 14 the warning is there.
  await jump('04:10');
  await page.waitForFunction(() => document.querySelector('[data-testid="idle-warning"]')?.open);
  const dialog = page.getByRole('alertdialog', { name: 'The screen will lock soon' });
  assert.match(await dialog.textContent(), /locks in about a minute/);
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Stay signed in', 'focus is on Stay signed in');
  await expectAccessible(page, 'idle warning');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => !document.querySelector('[data-testid="idle-warning"]')?.open);
  await jump('14:10');
  assert.equal(await page.locator('[data-testid="locked"]').count(), 0, 'staying signed in started the time again');
  await page.waitForFunction(() => document.querySelector('[data-testid="idle-warning"]')?.open);
  // Escape stays signed in too.
  await page.keyboard.press('Escape');
  await page.waitForFunction(() => !document.querySelector('[data-testid="idle-warning"]')?.open);
  await jump('14:10');
  await page.waitForFunction(() => document.querySelector('[data-testid="idle-warning"]')?.open);
  // Nobody answers: the screen locks, the warning goes, focus is on the lock's heading.
  await jump('01:00');
  await page.locator('[data-testid="locked"]').waitFor();
  assert.equal(await warningOpen(), false);
  await page.waitForFunction(() => document.activeElement?.id === 'locked-title');
  assert.match(await page.title(), /^Locked after a pause – Caspen intake$/);
  assert.deepEqual(errors, []);
  await page.close();
});

test('Alt+Down and Alt+Up move between sections, except in a control that opens on them; a focused field stays clear of the person bar', async () => {
  // A list keeps Alt+Down, which opens it: Unite US's service type on the find screen.
  const lists = await browser.newPage();
  await lists.addInitScript(() => window.addEventListener('keydown', (event) => {
    if (event.altKey) window.lastAltArrow = event;
  }));
  await lists.goto(`${sandbox.baseUrl}/staff?config=/config/unite-us-staff.json`);
  await signInByKeyboard(lists);
  await lists.locator('#service-type').focus();
  await lists.keyboard.press('Alt+ArrowDown');
  assert.equal(await lists.evaluate(() => window.lastAltArrow.defaultPrevented), false, 'a list keeps Alt+Down, which opens it');
  await lists.close();
  const page = await browser.newPage({ viewport: { width: 800, height: 500 } });
  const errors = watchErrors(page);
  // The last Alt+arrow, read once dispatched: whether the page took it from the control.
  await page.addInitScript(() => window.addEventListener('keydown', (event) => {
    if (event.altKey) window.lastAltArrow = event;
  }));
  await page.goto(`${sandbox.baseUrl}/staff?config=/config/unite-us-staff.json`);
  await signInByKeyboard(page);
  await tabToId(page, 'service-type');
  await page.keyboard.press('Alt+ArrowDown');
  assert.equal(await page.evaluate(() => window.lastAltArrow.defaultPrevented), false, 'a select keeps Alt+Down, which opens its list');
  await page.close();

  const form = await browser.newPage({ viewport: { width: 800, height: 500 } });
  await form.addInitScript(() => window.addEventListener('keydown', (event) => {
    if (event.altKey) window.lastAltArrow = event;
  }));
  await form.goto(`${sandbox.baseUrl}/staff?config=/config/caspen-staff.json`);
  await signInByKeyboard(form);
  await searchByKeyboard(form, 'Ann', 'Lee');
  await tabToMatch(form, '[data-testid="new-person"]');
  await form.keyboard.press('Enter');
  await form.waitForFunction(() => document.activeElement?.id === 'person-title');
  const section = () => form.evaluate(() => document.activeElement?.closest('.form-section')?.dataset.sectionIndex);
  const { tabTo } = keyboard(form);
  await tabTo('email');
  const emailSection = await section();
  await form.keyboard.press('Alt+ArrowDown');
  assert.equal(await form.evaluate(() => window.lastAltArrow.defaultPrevented), true);
  assert.notEqual(await section(), emailSection, 'Alt+Down in a text field moves to the next section');
  await form.keyboard.press('Alt+ArrowUp');
  assert.equal(await section(), emailSection, 'Alt+Up moves back');
  // Moving up by Shift+Tab from the end of the form, every field that takes
  // focus is below the sticky person bar, not under it (WCAG 2.4.11).
  await tabTo('notes');
  let checked = 0;
  for (let presses = 0; presses < 40; presses += 1) {
    await form.keyboard.press('Shift+Tab');
    const place = await form.evaluate(() => {
      const field = document.activeElement;
      if (!field?.closest('[data-question-id]')) return null;
      return { id: field.id, top: field.getBoundingClientRect().top, barBottom: document.querySelector('[data-testid="person-bar"]').getBoundingClientRect().bottom };
    });
    if (!place) break;
    assert.ok(place.top >= place.barBottom, `#${place.id} is under the person bar (${place.top} < ${place.barBottom})`);
    checked += 1;
  }
  assert.ok(checked >= 8, `checked ${checked} fields`);
  assert.deepEqual(errors, []);
  await form.close();
});
