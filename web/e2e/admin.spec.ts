import { expect, test, type Browser, type Page } from '@playwright/test';
import { DEMO_PASSWORD } from './global-setup';
import { serverUrl } from './server-url';
import { totp } from './totp';

test.use({ baseURL: serverUrl() });

async function signedIn(browser: Browser, email: string): Promise<Page> {
  const context = await browser.newContext({ baseURL: serverUrl() });
  const page = await context.newPage();
  await page.goto('/login');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByLabel('Password').press('Enter');
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
  return page;
}

async function setViewerForecasting(admin: Page, on: boolean) {
  await admin.goto('/admin?tab=permissions');
  const box = admin.getByRole('checkbox', { name: 'VIEWER forecasting:read' });
  await expect(box).toBeChecked({ checked: !on });
  await box.setChecked(on);
  await expect(admin.getByText(on ? 'VIEWER: +forecasting:read' : 'VIEWER: −forecasting:read')).toBeVisible();
  await admin.getByRole('button', { name: /^Save changes/ }).click();
  await expect(admin.getByRole('status').filter({ hasText: 'Saved: VIEWER' })).toBeVisible();
  await expect(box).toBeChecked({ checked: on });
}

test('an admin removes a VIEWER permission in the matrix editor: the viewer loses the section and its API at once', async ({
  browser,
}) => {
  const viewer = await signedIn(browser, 'viewer@sentia.demo');
  const admin = await signedIn(browser, 'admin@sentia.demo');
  const viewerNav = viewer.getByRole('navigation', { name: 'Main' });

  // Administration needs two-factor sign-in: the admin sets it up first.
  expect((await admin.request.get('/api/v1/admin/users')).status()).toBe(403);
  await admin.goto('/admin');
  await admin.getByRole('button', { name: 'Start setup' }).click();
  await expect(admin.getByRole('img', { name: /QR code/ })).toBeVisible();
  const secret = (await admin.getByTestId('mfa-secret').textContent())?.trim() ?? '';
  expect(secret).toMatch(/^[A-Z2-7]{32}$/);
  await admin.getByLabel('Code from the app').fill(totp(secret));
  await admin.getByRole('button', { name: 'Turn on' }).click();
  await expect(admin.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem')).toHaveCount(10);
  await admin.getByRole('button', { name: /I have saved them/ }).click();
  await expect(admin.getByRole('heading', { level: 1, name: 'Administration' })).toBeVisible();
  await expect(admin.getByRole('status').filter({ hasText: 'admin changes are allowed until' })).toBeVisible();

  // Before: the viewer sees forecasting, but not the admin portal.
  await viewer.goto('/forecasting');
  await expect(viewer.getByRole('heading', { level: 1, name: 'Forecasting' })).toBeVisible();
  await expect(viewerNav.getByRole('link', { name: 'Forecasting' })).toBeVisible();
  await expect(viewerNav.getByRole('link', { name: 'Administration' })).toHaveCount(0);
  expect((await viewer.request.get('/api/v1/forecasting/series')).status()).toBe(200);
  expect((await viewer.request.get('/api/v1/admin/users')).status()).toBe(403);

  await setViewerForecasting(admin, false);

  // The viewer's next page load, same session, no restart: the section is gone and the API refuses.
  await viewer.reload();
  await expect(viewer.getByText('You do not have access to this section')).toBeVisible();
  await expect(viewerNav.getByRole('link', { name: 'Forecasting' })).toHaveCount(0);
  await expect(viewerNav.getByRole('link', { name: 'Overview' })).toBeVisible();
  const refused = await viewer.request.get('/api/v1/forecasting/series');
  expect(refused.status()).toBe(403);
  expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('forbidden');

  // The change is in the audit log, with who made it.
  await admin.goto('/admin?tab=audit');
  await admin.getByLabel('Action').fill('role.');
  await admin.getByRole('button', { name: 'Apply' }).click();
  const row = admin.getByRole('row').filter({ has: admin.getByRole('rowheader', { name: 'role.permissions_update' }) });
  await expect(row.first()).toContainText('admin@sentia.demo');
  await expect(row.first()).toContainText('forecasting:read');
  await admin.getByRole('button', { name: 'Verify chain' }).click();
  await expect(admin.getByRole('status').filter({ hasText: /all \d+ audit rows verify/ })).toBeVisible();

  // Given back, it returns on the next load.
  await setViewerForecasting(admin, true);
  await viewer.reload();
  await expect(viewer.getByRole('heading', { level: 1, name: 'Forecasting' })).toBeVisible();
  expect((await viewer.request.get('/api/v1/forecasting/series')).status()).toBe(200);

  // The job queue: the hourly housekeeping the server scheduled at start has run.
  await admin.goto('/admin?tab=jobs');
  const prune = admin.getByRole('row').filter({ has: admin.getByRole('rowheader', { name: /maintenance\.prune/ }) });
  await expect(prune.first()).toContainText('succeeded');
  await admin.getByLabel('State').selectOption('dead');
  await expect(admin.getByText('No jobs in state dead.')).toBeVisible();

  // Leave the demo admin as it was for the other tests: reset its second factor.
  const me = (await (await admin.request.get('/api/v1/me')).json()) as { id: number };
  expect((await admin.request.post(`/api/v1/admin/users/${String(me.id)}/reset-mfa`)).status()).toBe(200);

  await viewer.context().close();
  await admin.context().close();
});
