import { useQuery } from '@tanstack/react-query';
import { productsQuery, type Product } from '@/features/products/api/products-queries';
import { ErrorAlert } from '@/shared/components/alert';
import { EmptyState } from '@/shared/components/empty-state';
import { PageHeader } from '@/shared/components/page-header';
import { LoadingRegion, Skeleton } from '@/shared/components/skeleton';
import { APP_LOCALE, formatCount, type CurrencyCode } from '@/shared/lib/format';

const CURRENCIES: CurrencyCode[] = ['GBP', 'EUR', 'USD'];

function money(amountMinor: number, currency: CurrencyCode): string {
  return new Intl.NumberFormat(APP_LOCALE, { style: 'currency', currency, currencyDisplay: 'narrowSymbol' }).format(amountMinor / 100);
}

function priceIn(product: Product, currency: CurrencyCode): string {
  const price = product.prices.find((p) => p.currency === currency);
  return price ? money(price.amount_minor, currency) : '—';
}

const th = 'px-3 py-2.5 text-left text-xs font-semibold uppercase tracking-wide text-slate-500 whitespace-nowrap';
const thNum = 'px-3 py-2.5 text-right text-xs font-semibold uppercase tracking-wide text-slate-500 whitespace-nowrap';
const td = 'px-3 py-2.5 text-slate-700 whitespace-nowrap';
const tdNum = 'px-3 py-2.5 text-right tabular-nums text-slate-700 whitespace-nowrap';

export function ProductsPage() {
  const products = useQuery(productsQuery());

  let body;
  if (products.error) {
    body = (
      <ErrorAlert
        title="Could not load products"
        error={products.error}
        onRetry={() => {
          void products.refetch();
        }}
      />
    );
  } else if (products.isPending) {
    body = (
      <LoadingRegion label="Loading products">
        <div className="space-y-2 p-4">
          {Array.from({ length: 9 }, (_, index) => (
            <Skeleton key={index} className="h-8 w-full" />
          ))}
        </div>
      </LoadingRegion>
    );
  } else if (products.data.items.length === 0) {
    body = <EmptyState title="No products yet">Products appear here once they are imported.</EmptyState>;
  } else {
    body = (
      <div className="overflow-x-auto">
        <table className="min-w-full divide-y divide-slate-200 text-sm">
          <caption className="sr-only">Products with unit cost and list prices</caption>
          <thead className="bg-slate-50">
            <tr>
              <th scope="col" className={th}>SKU</th>
              <th scope="col" className={th}>Name</th>
              <th scope="col" className={th}>Family</th>
              <th scope="col" className={thNum}>Size</th>
              <th scope="col" className={thNum}>Unit cost</th>
              {CURRENCIES.map((currency) => (
                <th key={currency} scope="col" className={thNum}>
                  Price {currency}
                </th>
              ))}
              <th scope="col" className={th}>Status</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100 bg-white">
            {products.data.items.map((product) => (
              <tr key={product.id} className="hover:bg-slate-50">
                <th scope="row" className="px-3 py-2.5 text-left font-mono text-xs font-semibold whitespace-nowrap text-slate-900">
                  {product.sku}
                </th>
                <td className={td}>{product.name}</td>
                <td className={td}>{product.family}</td>
                <td className={tdNum}>{formatCount(product.bottle_size_ml)} ml</td>
                <td className={tdNum}>{money(product.unit_cost.amount_minor, product.unit_cost.currency)}</td>
                {CURRENCIES.map((currency) => (
                  <td key={currency} className={tdNum}>
                    {priceIn(product, currency)}
                  </td>
                ))}
                <td className={td}>
                  {product.active ? (
                    <span className="inline-flex items-center gap-1 rounded-full bg-emerald-50 px-2 py-0.5 text-xs font-medium text-emerald-800">
                      <span aria-hidden="true">●</span> Active
                    </span>
                  ) : (
                    <span className="inline-flex items-center gap-1 rounded-full bg-slate-100 px-2 py-0.5 text-xs font-medium text-slate-700">
                      <span aria-hidden="true">○</span> Inactive
                    </span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    );
  }

  return (
    <>
      <PageHeader
        title="Products"
        description={
          products.data
            ? `${formatCount(products.data.total)} products in the catalogue.`
            : 'The product catalogue with costs and list prices.'
        }
      />
      <section aria-label="Product list" className="overflow-hidden rounded-xl border border-slate-200 bg-white shadow-sm">
        {body}
      </section>
    </>
  );
}
