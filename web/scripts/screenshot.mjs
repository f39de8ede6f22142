#!/usr/bin/env node
// Logs in to a running Sentia and saves a 1280×800 screenshot of the overview.
//
//   BASE_URL=http://127.0.0.1:8080 SENTIA_EMAIL=admin@sentia.demo SENTIA_PASSWORD=... \
//     node scripts/screenshot.mjs ../docs/overview.png
//
// Uses playwright-core with Debian's Chromium (CHROMIUM_PATH overrides /usr/bin/chromium);
// no browser is downloaded.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { chromium } from 'playwright-core';

const baseUrl = process.env.BASE_URL ?? 'http://127.0.0.1:8080';
const email = process.env.SENTIA_EMAIL ?? 'admin@sentia.demo';
const password = process.env.SENTIA_PASSWORD ?? process.env.SENTIA_DEMO_PASSWORD;
const output = resolve(process.argv[2] ?? '../docs/overview.png');
const width = Number(process.env.WIDTH ?? 1280);
const height = Number(process.env.HEIGHT ?? 800);

if (!password) {
  console.error('Set SENTIA_PASSWORD (or SENTIA_DEMO_PASSWORD) to the password of ' + email);
  process.exit(2);
}

const profile = mkdtempSync(join(tmpdir(), 'sentia-shot-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  headless: true,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
  viewport: { width, height },
  deviceScaleFactor: 1,
  locale: 'en-GB',
});

try {
  const page = context.pages()[0] ?? (await context.newPage());
  const problems = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));

  await page.goto(new URL(process.env.SCREENSHOT_PATH ?? '/', baseUrl).href);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1 }).first().waitFor();
  await page.getByTestId('kpi-revenue-value').waitFor({ timeout: 30_000 });
  // Charts are canvases: wait until both have been drawn.
  await page.locator('[role="img"] canvas').nth(1).waitFor({ timeout: 30_000 });
  await page.waitForLoadState('networkidle');

  mkdirSync(dirname(output), { recursive: true });
  await page.screenshot({ path: output, fullPage: process.env.FULL_PAGE === '1' });
  console.log(`Saved ${output}`);
  if (problems.length > 0) console.warn(`Console errors:\n${problems.join('\n')}`);
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
