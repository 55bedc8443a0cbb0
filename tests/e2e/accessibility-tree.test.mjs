// What a screen reader is told on each state of the public widget and of
// staff intake, checked
// against a stored snapshot: every node of Chromium's accessibility tree that
// a person meets (headings, landmarks, controls, groups, links, live regions),
// with its role, name, description and states (required, invalid, checked,
// heading level). Chromium's protocol reports "required" only on text fields and
// groups (not on a select, a date field or a checkbox, whatever their markup),
// so those are checked in the markup by other journeys. A change in what is
// announced fails the test command; when
// the change is meant, run with UPDATE_ACCESSIBILITY_SNAPSHOTS=1 and read the
// difference in review like any other change.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { sandboxSuite, axeAudit, watchErrors, answerEverything, signInStaff } from './support.mjs';

let sandbox, browser;
const audit = axeAudit('accessibility tree');
sandboxSuite(audit, { onStart: (started, launched) => { sandbox = started; browser = launched; } });

const snapshotDir = join(import.meta.dirname, 'accessibility-tree');
const updating = process.env.UPDATE_ACCESSIBILITY_SNAPSHOTS === '1';

/** Roles that carry no announcement of their own: their children are kept, they are not. */
const silent = new Set(['generic', 'none', 'StaticText', 'InlineTextBox', 'LineBreak', 'paragraph', 'RootWebArea',
  'LabelText', 'Legend', 'Canvas', 'time', 'emphasis', 'strong', 'ListMarker']);

/** The page's accessibility tree as indented lines, one per node a person meets. */
async function accessibilityTree(page, reference) {
  const cdp = await page.context().newCDPSession(page);
  const { nodes } = await cdp.send('Accessibility.getFullAXTree');
  await cdp.detach();
  const byId = new Map(nodes.map((node) => [node.nodeId, node]));
  const lines = [];
  const visit = (node, depth) => {
    const role = node.role?.value ?? '';
    const shown = !node.ignored && !silent.has(role);
    if (shown) {
      const property = (name) => node.properties?.find((entry) => entry.name === name)?.value?.value;
      const parts = [role];
      const name = node.name?.value?.trim();
      if (name) parts.push(JSON.stringify(normalise(name, reference)));
      const description = node.description?.value?.trim();
      if (description) parts.push(`description=${JSON.stringify(normalise(description, reference))}`);
      if (role === 'heading') parts.push(`level=${property('level')}`);
      if (property('required')) parts.push('required');
      const invalid = property('invalid');
      if (invalid && invalid !== 'false') parts.push('invalid');
      const checked = property('checked');
      if (checked && checked !== 'false') parts.push('checked');
      if (property('disabled')) parts.push('disabled');
      if (property('live')) parts.push(`live=${property('live')}`);
      lines.push(`${'  '.repeat(depth)}${parts.join(' ')}`);
    }
    for (const child of node.childIds ?? []) {
      const next = byId.get(child);
      if (next) visit(next, shown ? depth + 1 : depth);
    }
  };
  visit(nodes[0], 0);
  return lines.join('\n') + '\n';
}

/** What differs between runs though nothing a person meets changed: the submission's reference. */
function normalise(text, reference) {
  const spaced = text.replace(/\s+/g, ' ');
  return reference ? spaced.replaceAll(reference, '<reference>') : spaced;
}

async function expectTree(page, state) {
  const reference = (await page.locator('[data-testid="reference"]').count()) > 0
    ? (await page.locator('[data-testid="reference"]').textContent()).trim() : null;
  const actual = await accessibilityTree(page, reference);
  const file = join(snapshotDir, `${state}.txt`);
  if (updating) {
    await mkdir(snapshotDir, { recursive: true });
    await writeFile(file, actual);
    return;
  }
  const expected = await readFile(file, 'utf8').catch(() => null);
  assert.ok(expected !== null, `no stored snapshot ${file}: run with UPDATE_ACCESSIBILITY_SNAPSHOTS=1 and review it`);
  assert.equal(actual, expected, `what a screen reader meets on "${state}" changed (tests/e2e/accessibility-tree/${state}.txt)`);
}

/** The widget with its later parts (the signature pad) arrived, so the tree is settled. */
async function openWidget(path) {
  const page = await browser.newPage();
  const errors = watchErrors(page);
  await page.goto(`${sandbox.baseUrl}${path}`);
  await page.waitForSelector('[data-testid="signature-pad"]');
  return { page, errors };
}

test('the widget in English: the form, the errors after an empty Send, and the sent screen', async () => {
  const { page, errors } = await openWidget('/widget');
  await expectTree(page, 'widget-form');
  await page.locator('.intake-form button[type=submit]').click();
  await page.waitForFunction(() => document.activeElement?.dataset?.testid === 'error-summary');
  await expectTree(page, 'widget-errors');
  await answerEverything(page);
  await page.locator('.intake-form button[type=submit]').click();
  await page.waitForSelector('[data-testid="submitted"]');
  await page.waitForFunction(() => document.activeElement?.dataset?.testid === 'submitted');
  await expectTree(page, 'widget-sent');
  assert.deepEqual(errors, []);
  await page.close();
});

test('the widget in Spanish, with errors', async () => {
  const { page, errors } = await openWidget('/widget?lang=es');
  await expectTree(page, 'widget-form-es');
  await page.locator('.intake-form button[type=submit]').click();
  await page.waitForFunction(() => document.activeElement?.dataset?.testid === 'error-summary');
  await expectTree(page, 'widget-errors-es');
  assert.deepEqual(errors, []);
  await page.close();
});

test('staff intake: the sign-in, the find screen with a person found, the person open, and the lock', async () => {
  const page = await browser.newPage();
  const errors = watchErrors(page);
  await page.clock.install();
  await page.goto(`${sandbox.baseUrl}/staff?config=caspen-staff`);
  await page.waitForSelector('#staff-token');
  await expectTree(page, 'staff-sign-in');
  await signInStaff(page, 'demo-staff-token');
  await page.waitForFunction(() => document.activeElement?.id === 'find-title');
  const find = page.locator('[data-testid="find-person"]');
  await find.getByLabel('First name').fill('Maria');
  await find.getByLabel('Last name').fill('Garcia');
  await find.getByRole('button', { name: 'Search' }).click();
  await page.locator('[data-testid="search-results"] [data-person-id]').first().waitFor();
  await expectTree(page, 'staff-found');
  await page.locator('[data-testid="search-results"] [data-person-id]').first().click();
  await page.waitForFunction(() => document.activeElement?.id === 'person-title');
  await page.waitForSelector('[data-question-id="notes"]');
  await expectTree(page, 'staff-person');
  await page.clock.fastForward('16:00');
  await page.locator('[data-testid="locked"]').waitFor();
  await page.waitForFunction(() => document.activeElement?.id === 'locked-title');
  await expectTree(page, 'staff-locked');
  assert.deepEqual(errors, []);
  await page.close();
});
