import { expect, test } from '@playwright/test';
import { serverUrl } from './server-url';

test.use({ baseURL: serverUrl() });

test('the API reference is served from the binary and renders the OpenAPI document', async ({ page }) => {
  const outside: string[] = [];
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.hostname !== '127.0.0.1' && url.protocol !== 'data:' && url.protocol !== 'blob:') {
      outside.push(request.url());
    }
  });
  const spec = await page.request.get('/api/openapi.json');
  expect(spec.status()).toBe(200);
  const doc = (await spec.json()) as { openapi: string; paths: Record<string, unknown> };
  expect(doc.openapi).toMatch(/^3\./);
  expect(Object.keys(doc.paths)).toContain('/api/v1/sales/summary');

  await page.goto('/api/docs');
  await expect(page.getByRole('heading', { name: /Sentia API/ }).first()).toBeVisible();
  await expect(
    page.getByRole('heading', { name: /Revenue, units and gross margin over time/ }).first(),
  ).toBeVisible();
  expect(outside).toEqual([]);
});
