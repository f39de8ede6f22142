import { readFile } from 'node:fs/promises';
import { expect, test, type Page } from '@playwright/test';
import type { components } from '../src/api/generated/schema';
import { formatKpiDisplay } from '../src/shared/lib/format';
import { DEMO_PASSWORD } from './global-setup';
import { serverUrl } from './server-url';

type KpiOverview = components['schemas']['KpiOverview'];

const KPI_IDS = ['revenue', 'units', 'gross_margin_pct', 'inventory_value', 'stock_cover_days'];

test.use({ baseURL: serverUrl() });

async function signIn(page: Page, email: string) {
  await page.goto('/');
  await expect(page).toHaveURL(/\/login/);
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  // Submitting with Enter is part of the contract of the login form.
  await page.getByLabel('Password').press('Enter');
}

function isKpiRequest(url: string, filter?: [string, string]): boolean {
  const parsed = new URL(url);
  if (parsed.pathname !== '/api/v1/kpis/overview') return false;
  return filter ? parsed.searchParams.get(filter[0]) === filter[1] : !parsed.searchParams.has('region');
}

test('admin sees KPIs that match the API, drills region → channel → SKU and signs out', async ({ page }) => {
  const kpiRequest = page.waitForRequest((request) => isKpiRequest(request.url()));
  await signIn(page, 'admin@sentia.demo');
  await expect(page.getByRole('heading', { level: 1, name: 'Executive overview' })).toBeVisible();
  await expect(page.getByRole('banner')).toContainText('Admin');
  // The page holds a live event stream open.
  await expect(page.getByRole('status').filter({ hasText: 'Live updates' })).toHaveText('Live updates: Live');

  // The same query the page made, fetched with the page's session cookie.
  const request = await kpiRequest;
  const response = await page.request.get(request.url());
  expect(response.status()).toBe(200);
  const overview = (await response.json()) as KpiOverview;
  expect(overview.kpis.map((kpi) => kpi.id).sort()).toEqual([...KPI_IDS].sort());
  for (const kpi of overview.kpis) {
    await expect(page.getByTestId(`kpi-${kpi.id}`)).toBeVisible();
    await expect(page.getByTestId(`kpi-${kpi.id}-value`)).toHaveText(
      formatKpiDisplay(kpi.value, kpi.unit, overview.currency),
    );
  }

  const breadcrumbs = page.getByRole('navigation', { name: 'Breadcrumb' });
  await expect(breadcrumbs.locator('[aria-current="page"]')).toHaveText('All regions');

  // Region → channel: the KPI cards follow the drill-down filters too.
  const regionKpis = page.waitForRequest((r) => isKpiRequest(r.url(), ['region', 'UK']));
  await page
    .getByRole('region', { name: 'Revenue by region' })
    .getByRole('button', { name: 'Drill into UK' })
    .click();
  await regionKpis;
  await expect(page).toHaveURL(/[?&]region=UK/);
  await expect(breadcrumbs.getByRole('link', { name: 'All regions' })).toBeVisible();
  await expect(breadcrumbs.locator('[aria-current="page"]')).toHaveText('UK');
  const channels = page.getByRole('region', { name: 'Channels in UK' });
  await expect(channels.getByRole('heading', { name: 'Channels in UK' })).toBeVisible();

  await channels.getByRole('button', { name: 'Drill into AMZ-UK' }).click();
  await expect(page).toHaveURL(/[?&]channel=AMZ-UK/);
  await expect(breadcrumbs.locator('[aria-current="page"]')).toHaveText('AMZ-UK');
  const skus = page.getByRole('region', { name: 'SKUs in AMZ-UK' });
  await expect(skus.getByRole('columnheader', { name: 'SKU' })).toBeVisible();

  // Keyboard: the drill-down control is a real button.
  await skus.getByRole('button', { name: 'Drill into GIN-70' }).focus();
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/[?&]sku=GIN-70/);
  await expect(breadcrumbs.locator('[aria-current="page"]')).toHaveText('GIN-70');
  await expect(breadcrumbs.getByRole('link')).toHaveText(['All regions', 'UK', 'AMZ-UK']);
  const sku = page.getByRole('region', { name: 'GIN-70 in AMZ-UK' });
  // One row, the SKU's own (not the previous level's rows while its figures load).
  await expect(sku.getByRole('rowheader')).toHaveText(['GIN-70']);

  // Exports: CSV of what is on screen, PNG of a chart.
  const csvDownload = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export CSV' }).click();
  const csv = await readFile(await (await csvDownload).path(), 'utf8');
  expect(csv).toContain('GIN-70 in AMZ-UK');
  expect(csv).toMatch(/^Period start,/m);
  const pngDownload = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Download revenue and units chart as PNG' }).click();
  expect((await pngDownload).suggestedFilename()).toBe('sentia-revenue-units.png');

  // Back up through the breadcrumbs.
  await breadcrumbs.getByRole('link', { name: 'UK', exact: true }).click();
  await expect(page.getByRole('region', { name: 'Channels in UK' })).toBeVisible();
  await expect(page).not.toHaveURL(/channel=/);

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login/);
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  const me = await page.request.get('/api/v1/me');
  expect(me.status()).toBe(401);
});

for (const [email, role] of [
  ['admin@sentia.demo', 'Admin'],
  ['manager@sentia.demo', 'Manager'],
  ['operator@sentia.demo', 'Operator'],
  ['viewer@sentia.demo', 'Viewer'],
] as const) {
  test(`${role.toLowerCase()} can sign in and sees the overview KPI cards`, async ({ page }) => {
    await signIn(page, email);
    await expect(page.getByRole('heading', { level: 1, name: 'Executive overview' })).toBeVisible();
    await expect(page.getByRole('banner')).toContainText(role);
    for (const id of KPI_IDS) {
      await expect(page.getByTestId(`kpi-${id}-value`)).not.toBeEmpty();
    }
    await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Overview' })).toBeVisible();
  });
}
