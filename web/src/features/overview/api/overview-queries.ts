import { keepPreviousData, queryOptions } from '@tanstack/react-query';
import { api, unwrap, type Schemas } from '@/api/client';
import type { DrillState, Granularity, GroupBy } from '@/features/overview/lib/overview-state';
import type { CurrencyCode } from '@/shared/lib/format';

export type KpiOverview = Schemas['KpiOverview'];
export type Kpi = Schemas['Kpi'];
export type SalesSummary = Schemas['SalesSummary'];
export type SummaryGroup = Schemas['SummaryGroup'];
export type SummaryPoint = Schemas['SummaryPoint'];

export interface OverviewFilters {
  from: string;
  to: string;
  currency: CurrencyCode;
  drill: DrillState;
}

/** Query parameters shared by the KPI and sales endpoints; absent filters are omitted. */
export function filterParams(filters: OverviewFilters) {
  const { region, channel, sku } = filters.drill;
  return {
    from: filters.from,
    to: filters.to,
    currency: filters.currency,
    ...(region ? { region } : {}),
    ...(channel ? { channel } : {}),
    ...(sku ? { sku } : {}),
  };
}

export const overviewKeys = {
  all: ['overview'] as const,
  kpis: (filters: OverviewFilters) => [...overviewKeys.all, 'kpis', filterParams(filters)] as const,
  summary: (filters: OverviewFilters, granularity: Granularity, groupBy: GroupBy) =>
    [...overviewKeys.all, 'summary', filterParams(filters), granularity, groupBy] as const,
};

export function kpiOverviewQuery(filters: OverviewFilters, enabled = true) {
  return queryOptions({
    queryKey: overviewKeys.kpis(filters),
    queryFn: ({ signal }) =>
      unwrap(api.GET('/api/v1/kpis/overview', { params: { query: filterParams(filters) }, signal })),
    placeholderData: keepPreviousData,
    enabled,
  });
}

export function salesSummaryQuery(filters: OverviewFilters, granularity: Granularity, groupBy: GroupBy, enabled = true) {
  return queryOptions({
    queryKey: overviewKeys.summary(filters, granularity, groupBy),
    queryFn: ({ signal }) =>
      unwrap(
        api.GET('/api/v1/sales/summary', {
          params: { query: { ...filterParams(filters), granularity, group_by: groupBy } },
          signal,
        }),
      ),
    placeholderData: keepPreviousData,
    enabled,
  });
}
