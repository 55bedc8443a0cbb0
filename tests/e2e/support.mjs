// Shared helpers for the end-to-end journeys: a static server for the
// release build with single-page fallback, Debian's Chromium through
// playwright-core, and axe-core audits.
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';

const require = createRequire(import.meta.url);
const axeSource = await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');
const distDir = join(import.meta.dirname, '..', '..', 'dist');
const types = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css', '.json': 'application/json' };

/** Serves dist/ on a free loopback port; unknown paths get index.html. */
export async function startServer() {
  const server = createServer(async (request, response) => {
    const path = normalize(decodeURIComponent(new URL(request.url, 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
    let file = join(distDir, path);
    try {
      if (!(await stat(file)).isFile()) file = join(distDir, 'index.html');
    } catch {
      file = join(distDir, 'index.html');
    }
    try {
      const body = await readFile(file);
      response.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' });
      response.end(body);
    } catch {
      response.writeHead(500).end('dist/ is missing: run `cargo xtask test` or `trunk build --release`');
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, baseUrl: `http://127.0.0.1:${server.address().port}` };
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
    // Playwright gives every launch a fresh, empty profile of its own.
  });
}

/** Runs axe-core on the page and returns its violations, described. */
export async function axeViolations(page) {
  if (!(await page.evaluate(() => typeof window.axe !== 'undefined'))) {
    await page.addScriptTag({ content: axeSource });
  }
  const result = await page.evaluate(async () => {
    const outcome = await window.axe.run(document, { resultTypes: ['violations'] });
    return outcome.violations.map((violation) => ({ id: violation.id, help: violation.help, targets: violation.nodes.map((node) => node.target.join(' ')) }));
  });
  return result;
}

/** Collects console errors and uncaught exceptions, which fail a journey. */
export function watchErrors(page) {
  const errors = [];
  page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
  page.on('console', (message) => { if (message.type() === 'error') errors.push(`console: ${message.text()}`); });
  return errors;
}

/** Keyboard-only movement: Tab until focus reaches a question or the submit button, as a person would. */
export function keyboard(page) {
  const focused = () => page.evaluate(() => {
    const element = document.activeElement;
    return { question: element?.closest('[data-question-id]')?.dataset.questionId, type: element?.type };
  });
  const focusedQuestion = async () => (await focused()).question;
  const tabTo = async (questionId) => {
    for (let presses = 0; presses < 30 && (await focusedQuestion()) !== questionId; presses += 1) await page.keyboard.press('Tab');
    assert.equal(await focusedQuestion(), questionId, `Tab never reached ${questionId}`);
  };
  const pressSubmit = async () => {
    for (let presses = 0; presses < 30 && (await focused()).type !== 'submit'; presses += 1) await page.keyboard.press('Tab');
    assert.equal((await focused()).type, 'submit', 'Tab never reached the submit button');
    await page.keyboard.press('Enter');
  };
  return { focusedQuestion, tabTo, pressSubmit };
}
