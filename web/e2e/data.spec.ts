import { expect, test } from '@playwright/test';
import { DEMO_PASSWORD } from './global-setup';
import { serverUrl } from './server-url';
import { totp } from './totp';

test.use({ baseURL: serverUrl() });

const SOURCES = ['Shopify UK', 'Shopify EU', 'Shopify US', 'Amazon EU', 'Amazon US', 'Unleashed', 'Xero'];
const TOKEN = 'shpat_e2e_never_shown_4f1c9a';

test('an admin connects a source on the Data page: field errors, write-only credentials, and a failing sync shown live', async ({
  page,
}) => {
  await page.goto('/login');
  await page.getByLabel('Email').fill('admin@sentia.demo');
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByLabel('Password').press('Enter');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Data', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Data' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Import a file' })).toHaveAttribute('href', '/data/import');

  // Seven sources, none connected yet.
  await expect(page.getByRole('article')).toHaveCount(SOURCES.length);
  for (const label of SOURCES) {
    const card = page.getByRole('article', { name: label });
    await expect(card.getByTestId('source-status')).toHaveText('Not connected');
    await expect(card.getByRole('button', { name: 'Sync now' })).toBeDisabled();
  }

  // Connections need two-factor sign-in: until then the page says so and offers no form.
  await expect(page.getByRole('note').filter({ hasText: 'needs two-factor sign-in' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Connect' })).toHaveCount(0);
  const enrollment = (await (await page.request.post('/api/v1/me/mfa/enroll')).json()) as { secret: string };
  expect((await page.request.post('/api/v1/me/mfa/confirm', { data: { code: totp(enrollment.secret) } })).status()).toBe(200);
  await page.reload();
  await expect(page.getByRole('status').filter({ hasText: 'admin changes are allowed until' })).toBeVisible();

  const card = page.getByRole('article', { name: 'Shopify UK' });
  await card.getByRole('button', { name: 'Connect' }).click();
  const form = card.getByRole('form', { name: 'Connection of Shopify UK' });
  const token = form.getByLabel('Access token');
  await expect(form.getByTestId('credential-access_token-state')).toHaveText('not set');
  await expect(token).toHaveValue('');

  // An unknown channel: the server's error shows next to the field, and nothing is stored.
  await form.getByLabel('Shop domain').fill('sentia-uk.myshopify.com');
  await form.getByLabel('API address').fill('http://127.0.0.1:9');
  await form.getByLabel('Channel').fill('NOPE');
  await token.fill(TOKEN);
  await form.getByRole('button', { name: 'Connect' }).click();
  await expect(form.getByLabel('Channel')).toHaveAccessibleDescription(/"NOPE" is not a channel/);
  await expect(form.getByLabel('Channel')).toHaveAttribute('aria-invalid', 'true');
  await expect(form.getByTestId('credential-access_token-state')).toHaveText('not set');

  // Fixed: saved; the credential is "set" and its value is nowhere on the page or in the API.
  await form.getByLabel('Channel').fill('SHOP-UK');
  await form.getByRole('button', { name: 'Connect' }).click();
  await expect(form.getByRole('status').filter({ hasText: 'Saved.' })).toBeVisible();
  await expect(form.getByTestId('credential-access_token-state')).toHaveText('set');
  await expect(token).toHaveValue('');
  await expect(form.getByLabel('Channel')).not.toHaveAttribute('aria-invalid', 'true');
  expect(await page.content()).not.toContain(TOKEN);
  expect(await (await page.request.get('/api/v1/sources')).text()).not.toContain(TOKEN);
  await expect(card.getByTestId('source-status')).toHaveText('Schedule off');

  // Sync now is allowed; the store cannot be reached, and the card shows it by itself.
  const syncNow = card.getByRole('button', { name: 'Sync now' });
  await expect(syncNow).toBeEnabled();
  await syncNow.click();
  await expect(card.getByTestId('source-status')).toHaveText('Failing', { timeout: 20_000 });
  await card.getByText('Last error').click();
  await expect(card.getByTestId('source-last-error')).toBeVisible();
  await expect(card.getByTestId('source-last-error')).not.toBeEmpty();
  await expect(card.getByTestId('source-freshness')).toHaveText('Never synced');
  await expect(card).toContainText('1 failed sync in a row');

  // Leave the demo company as it was for the other tests: disconnect, and reset the second factor.
  const removed = await page.request.put('/api/v1/sources/shopify-uk', {
    data: { credentials: { access_token: '' }, settings: { shop: null, base_url: null } },
  });
  expect(removed.status()).toBe(200);
  await expect(card.getByTestId('source-status')).toHaveText('Not connected');
  const me = (await (await page.request.get('/api/v1/me')).json()) as { id: number };
  expect((await page.request.post(`/api/v1/admin/users/${String(me.id)}/reset-mfa`)).status()).toBe(200);
});

test('a manager may sync but not change connections; a viewer does not see the Data page', async ({ browser }) => {
  for (const [email, sees] of [
    ['manager@sentia.demo', true],
    ['viewer@sentia.demo', false],
  ] as const) {
    const context = await browser.newContext({ baseURL: serverUrl() });
    const page = await context.newPage();
    await page.goto('/login');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(DEMO_PASSWORD);
    await page.getByLabel('Password').press('Enter');
    const nav = page.getByRole('navigation', { name: 'Main' });
    await expect(nav).toBeVisible();
    await page.goto('/data');
    if (sees) {
      await expect(nav.getByRole('link', { name: 'Data', exact: true })).toBeVisible();
      const card = page.getByRole('article', { name: 'Xero' });
      await expect(card.getByRole('button', { name: 'Sync now' })).toBeDisabled();
      await expect(card.getByRole('button', { name: 'Connect' })).toHaveCount(0);
      await expect(page.getByRole('link', { name: 'Import a file' })).toBeVisible();
    } else {
      await expect(page.getByText('You do not have access to this section')).toBeVisible();
      await expect(nav.getByRole('link', { name: 'Data', exact: true })).toHaveCount(0);
      expect((await page.request.get('/api/v1/sources')).status()).toBe(403);
    }
    await context.close();
  }
});
