import { expect, test, type Page } from '@playwright/test';
import { DEMO_PASSWORD } from './global-setup';
import { serverUrl } from './server-url';

test.use({ baseURL: serverUrl() });

async function signIn(page: Page, email: string) {
  await page.goto('/login');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByLabel('Password').press('Enter');
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
}

function salesFile(number: string, day: string, quantity: string): string {
  return [
    'order_number,line,ordered_at,channel,sku,quantity,unit_price',
    `${number},1,${day}T09:00:00Z,SHOP-UK,GIN-70,${quantity},24.99`,
    `${number},2,${day}T09:00:00Z,SHOP-UK,RUM-70,1,19.99`,
    '',
  ].join('\n');
}

test('a file with a bad row is refused with its row, the fixed file imports, and importing it again changes nothing', async ({
  page,
}) => {
  const day = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  const number = `E2E-${String(Date.now())}`;
  const fileName = `${number}.csv`;
  await signIn(page, 'manager@sentia.demo');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Import data' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Import data' })).toBeVisible();
  await page.getByLabel('Kind of records').selectOption('sales_orders');
  await expect(page.getByRole('link', { name: 'Download CSV template' })).toHaveAttribute(
    'href',
    '/api/v1/imports/templates/sales_orders?format=csv',
  );

  const file = page.getByLabel('File', { exact: true });
  const check = page.getByRole('button', { name: 'Check file' });
  const importButton = page.getByRole('button', { name: 'Import', exact: true });
  const report = page.getByRole('region', { name: 'Import a file' }).getByRole('status');

  // A quantity of 0 on row 2: the report names it, nothing is imported.
  await file.setInputFiles({ name: fileName, mimeType: 'text/csv', buffer: Buffer.from(salesFile(number, day, '0')) });
  await check.click();
  await expect(report).toHaveText(`1 problem in ${fileName}: nothing was imported.`);
  const problems = page.getByRole('table', { name: 'Problems found in the file' });
  await expect(problems.getByRole('row').nth(1)).toHaveText(/^2quantitymust be positive, got 0$/);
  await expect(importButton).toBeDisabled();
  const before = (await (await page.request.get('/api/v1/imports')).json()) as { batches: { file_name: string }[] };
  expect(before.batches.filter((b) => b.file_name === fileName)).toHaveLength(0);

  // Fixed: the check passes, the import commits one order.
  await file.setInputFiles({ name: fileName, mimeType: 'text/csv', buffer: Buffer.from(salesFile(number, day, '2')) });
  await check.click();
  await expect(report).toHaveText(`${fileName} is valid (2 rows). Importing it gives 1 new, 0 changed, 0 unchanged.`);
  await importButton.click();
  await expect(report).toHaveText(`Imported ${fileName}: 1 new, 0 changed, 0 unchanged.`);
  const history = page.getByRole('table', { name: 'Recent imports' });
  await expect(history.getByRole('row').filter({ hasText: fileName })).toHaveCount(1);

  // The same file again: nothing changes.
  await file.setInputFiles({ name: fileName, mimeType: 'text/csv', buffer: Buffer.from(salesFile(number, day, '2')) });
  await check.click();
  await expect(report).toHaveText(`${fileName} is valid (2 rows). Importing it gives 0 new, 0 changed, 1 unchanged.`);
  await importButton.click();
  await expect(report).toHaveText(`Imported ${fileName}: 0 new, 0 changed, 1 unchanged.`);
  await expect(history.getByRole('row').filter({ hasText: fileName })).toHaveCount(2);
});
