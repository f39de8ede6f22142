import { queryOptions } from '@tanstack/react-query';
import { api, unwrap, type Schemas } from '@/api/client';

export type Product = Schemas['Product'];
export type ProductPage = Schemas['ProductPage'];

export const productKeys = {
  all: ['products'] as const,
  page: (page: number, pageSize: number) => [...productKeys.all, 'page', page, pageSize] as const,
};

export function productsQuery(page = 1, pageSize = 500) {
  return queryOptions({
    queryKey: productKeys.page(page, pageSize),
    queryFn: ({ signal }) =>
      unwrap(api.GET('/api/v1/products', { params: { query: { page, page_size: pageSize } }, signal })),
    staleTime: 5 * 60_000,
  });
}
