import { expect, test, type Page } from '@playwright/test';
import type { components } from '../src/api/generated/schema';
import { DEMO_PASSWORD } from './global-setup';
import { serverUrl } from './server-url';

type SeriesList = components['schemas']['ForecastSeriesList'];
type SeriesDetail = components['schemas']['ForecastSeriesDetail'];

test.use({ baseURL: serverUrl() });

async function signIn(page: Page, email: string) {
  await page.goto('/login');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByLabel('Password').press('Enter');
  await expect(page.getByRole('heading', { level: 1, name: 'Executive overview' })).toBeVisible();
}

type RunList = components['schemas']['ForecastRunList'];

/** The run started with the server, and the backfill after it, must have finished. */
async function waitForForecasts(page: Page): Promise<SeriesList> {
  await expect
    .poll(
      async () => {
        const response = await page.request.get('/api/v1/forecasting/runs');
        if (!response.ok()) return `HTTP ${String(response.status())}`;
        const { runs } = (await response.json()) as RunList;
        if (runs.some((r) => r.state === 'running')) return 'running';
        return runs.find((r) => r.triggered_by === 'backfill')?.state ?? 'no backfill yet';
      },
      { timeout: 180_000, intervals: [500] },
    )
    .toBe('succeeded');
  const response = await page.request.get('/api/v1/forecasting/series');
  return (await response.json()) as SeriesList;
}

function name(sku: string, channel: string): string {
  const c =
    channel === '*' ? 'All channels' : channel.startsWith('region:') ? `${channel.slice(7)} (all channels)` : channel;
  return `${sku === '*' ? 'All SKUs' : sku} on ${c}`;
}

function label(detail: SeriesDetail): string {
  const censored = detail.history.filter((p) => p.censored).length;
  return `Weekly demand of ${name(detail.sku, detail.channel)}: ${String(detail.history.length)} weeks of history (${String(censored)} with stockouts) and ${String(detail.forecast.length)} forecast weeks with 80% and 95% intervals`;
}

async function detailOf(page: Page, sku: string, channel: string): Promise<SeriesDetail> {
  const response = await page.request.get(
    `/api/v1/forecasting/series/${encodeURIComponent(sku)}/${encodeURIComponent(channel)}`,
  );
  expect(response.status()).toBe(200);
  return (await response.json()) as SeriesDetail;
}

test('the forecasting page shows every demo series with data matching the API', async ({ page }) => {
  test.setTimeout(600_000);
  await signIn(page, 'manager@sentia.demo');
  const list = await waitForForecasts(page);
  expect(list.series).toHaveLength(54);

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Forecasting' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Forecasting' })).toBeVisible();
  await expect(page.getByTestId('run-status')).toContainText('succeeded');

  for (const series of list.series) {
    const detailResponse = await page.request.get(
      `/api/v1/forecasting/series/${encodeURIComponent(series.sku)}/${encodeURIComponent(series.channel)}`,
    );
    expect(detailResponse.status()).toBe(200);
    const detail = (await detailResponse.json()) as SeriesDetail;
    expect(detail.forecast).toHaveLength(13);
    for (const p of detail.forecast) {
      expect(p.lo95).toBeLessThanOrEqual(p.lo80);
      expect(p.lo80).toBeLessThanOrEqual(p.point);
      expect(p.point).toBeLessThanOrEqual(p.hi80);
      expect(p.hi80).toBeLessThanOrEqual(p.hi95);
    }

    await page.getByLabel('SKU', { exact: true }).selectOption(series.sku);
    await page.getByLabel('Channel', { exact: true }).selectOption(series.channel);
    await expect(page).toHaveURL(new RegExp(`sku=${series.sku}&channel=${series.channel}`));
    await expect(page.getByRole('img', { name: label(detail) })).toBeVisible();
    // The chart really drew: ECharts renders into a canvas with a size.
    const canvas = page.getByRole('img', { name: label(detail) }).locator('canvas').first();
    await expect(canvas).toBeVisible();

    const table = page.getByRole('table', { name: 'Backtest metrics per model' });
    await expect(table.getByRole('row')).toHaveCount(detail.models.length + 1);
    const names = detail.models.map((m) => m.model);
    await expect(table.getByRole('rowheader')).toHaveText(names);
    const ensemble = detail.models[0];
    expect(ensemble?.model).toBe('ensemble');
    if (ensemble?.mae !== null && ensemble?.mae !== undefined) {
      await expect(table.getByRole('row').nth(1)).toContainText(ensemble.mae.toFixed(2));
    }
    const weights = page.getByRole('list', { name: 'Model weights' });
    await expect(weights.getByRole('listitem')).toHaveCount(detail.weights.length);
    if (detail.weight_reason) await expect(page.getByText(detail.weight_reason)).toBeVisible();
  }
});

test('every total is on the page and adds up to its series', async ({ page }) => {
  test.setTimeout(300_000);
  await signIn(page, 'manager@sentia.demo');
  const list = await waitForForecasts(page);
  expect(list.totals).toHaveLength(1 + 3 + 6 + 9);

  // The UK total equals the sum of the UK series, week by week.
  const uk = await detailOf(page, '*', 'region:UK');
  const parts = list.series.filter((s) => s.region === 'UK');
  expect(parts.length).toBeGreaterThan(0);
  const sums = Array.from({ length: uk.forecast.length }, () => 0);
  for (const s of parts) {
    const d = await detailOf(page, s.sku, s.channel);
    d.forecast.forEach((p, k) => {
      sums[k] = (sums[k] ?? 0) + p.point;
    });
  }
  uk.forecast.forEach((p, k) => {
    expect(p.point).toBeCloseTo(sums[k] ?? Number.NaN, 6);
  });

  await page.goto('/forecasting');
  for (const total of list.totals) {
    const detail = await detailOf(page, total.sku, total.channel);
    await page.getByLabel('SKU', { exact: true }).selectOption(total.sku);
    await page.getByLabel('Channel', { exact: true }).selectOption(total.channel);
    await expect(page.getByRole('img', { name: label(detail) })).toBeVisible();
    await expect(page.getByTestId('reconciliation-method')).toContainText('ordinary least squares');
    const table = page.getByRole('table', { name: 'Base and reconciled forecast' });
    await expect(table.getByRole('row')).toHaveCount(detail.forecast.length + 1);
    const first = detail.forecast[0];
    if (first) await expect(table.getByRole('row').nth(1)).toContainText(first.point.toFixed(1));
    // A total is not overridden itself.
    await expect(page.getByRole('form', { name: 'Override the forecast' })).toHaveCount(0);
  }
});

test('a manager overrides a week with a reason and sees it listed; the CSV has the forecast', async ({ page }) => {
  await signIn(page, 'manager@sentia.demo');
  await waitForForecasts(page);
  await page.goto('/forecasting?sku=WHS-70&channel=SHOP-EU');
  await expect(page.getByRole('heading', { name: 'Planner overrides' })).toBeVisible();
  const form = page.getByRole('form', { name: 'Override the forecast' });
  await form.getByLabel('Units').fill('42');
  await form.getByRole('button', { name: 'Save override' }).click();
  await expect(form.getByRole('alert')).toContainText('Say why');
  await form.getByLabel('Reason').fill('Trade show order expected');
  const saved = page.waitForResponse((r) => r.url().endsWith('/overrides') && r.request().method() === 'POST');
  await form.getByRole('button', { name: 'Save override' }).click();
  expect((await saved).status()).toBe(201);
  const overrides = page.getByRole('table', { name: 'Overrides' });
  await expect(overrides).toContainText('Trade show order expected');
  await expect(overrides).toContainText('manager@sentia.demo');
  await expect(overrides).toContainText('Active');

  const download = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Export CSV' }).click();
  const file = await download;
  expect(file.suggestedFilename()).toBe('sentia-forecast-WHS-70-SHOP-EU.csv');
});

test('a viewer reads forecasts but cannot run or override; an operator does not see the page', async ({ page }) => {
  await signIn(page, 'viewer@sentia.demo');
  await waitForForecasts(page);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Forecasting' }).click();
  await expect(page.getByRole('table', { name: 'Backtest metrics per model' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Run forecast' })).toHaveCount(0);
  await expect(page.getByRole('form', { name: 'Override the forecast' })).toHaveCount(0);
  await page.getByRole('button', { name: 'Sign out' }).click();

  await signIn(page, 'operator@sentia.demo');
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Forecasting' })).toHaveCount(0);
  await page.goto('/forecasting');
  await expect(page.getByText('You do not have access to this section')).toBeVisible();
});
