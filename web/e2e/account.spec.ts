import { expect, request, test } from '@playwright/test';
import { DEMO_PASSWORD } from './global-setup';
import { serverUrl } from './server-url';

test.use({ baseURL: serverUrl() });

test('a viewer makes a scoped API token, a script uses it, and revoking it locks the script out', async ({ page }) => {
  await page.goto('/login');
  await page.getByLabel('Email').fill('viewer@sentia.demo');
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByLabel('Password').press('Enter');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Your account' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Your account' })).toBeVisible();
  await expect(page.getByText('This browser')).toBeVisible();

  const form = page.getByRole('form', { name: 'Create an API token' });
  await form.getByLabel('Name').fill('Weekly BI pull');
  // Administration is never offered for a token.
  await expect(form.getByRole('checkbox', { name: /admin:/ })).toHaveCount(0);
  await form.getByRole('checkbox', { name: 'dashboard:read' }).check();
  await form.getByRole('button', { name: 'Create token' }).click();
  const token = (await page.getByTestId('new-token').textContent())?.trim() ?? '';
  expect(token).toMatch(/^sentia_[0-9a-f]{64}$/);
  await expect(page.getByRole('row', { name: /Weekly BI pull/ })).toContainText('dashboard:read');

  // A script without the browser's cookies.
  const script = await request.newContext({ baseURL: serverUrl(), extraHTTPHeaders: { Authorization: `Bearer ${token}` } });
  expect((await script.get('/api/v1/kpis/overview')).status()).toBe(200);
  expect((await script.get('/api/v1/forecasting/series')).status()).toBe(403);

  await page.getByRole('row', { name: /Weekly BI pull/ }).getByRole('button', { name: 'Revoke' }).click();
  await expect(page.getByRole('row', { name: /Weekly BI pull/ })).toContainText('Revoked');
  expect((await script.get('/api/v1/kpis/overview')).status()).toBe(401);
  await script.dispose();
});
