import { queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';
import { api, unwrap, type Schemas } from '@/api/client';

export type SeriesList = Schemas['ForecastSeriesList'];
export type SeriesSummary = Schemas['ForecastSeriesSummary'];
export type SeriesDetail = Schemas['ForecastSeriesDetail'];
export type ModelMetrics = Schemas['ModelMetrics'];
export type ForecastOverride = Schemas['ForecastOverride'];
export type OverrideList = Schemas['ForecastOverrideList'];
export type CreateOverride = Schemas['CreateForecastOverride'];
export type ForecastRun = Schemas['ForecastRun'];
export type AccuracyPoint = Schemas['AccuracyPoint'];

export const forecastingKeys = {
  all: ['forecasting'] as const,
  series: () => [...forecastingKeys.all, 'series'] as const,
  detail: (sku: string, channel: string) => [...forecastingKeys.all, 'detail', sku, channel] as const,
  overrides: (sku: string, channel: string) => [...forecastingKeys.all, 'overrides', sku, channel] as const,
  run: (id: number) => [...forecastingKeys.all, 'run', id] as const,
};

export const seriesListQuery = queryOptions({
  queryKey: forecastingKeys.series(),
  queryFn: ({ signal }) => unwrap(api.GET('/api/v1/forecasting/series', { signal })),
  // A run in progress finishes in the background: look again until it is done.
  refetchInterval: (query) => (query.state.data?.latest_run?.state === 'running' ? 3_000 : false),
});

export function seriesDetailQuery(sku: string, channel: string) {
  return queryOptions({
    queryKey: forecastingKeys.detail(sku, channel),
    queryFn: ({ signal }) =>
      unwrap(api.GET('/api/v1/forecasting/series/{sku}/{channel}', { params: { path: { sku, channel } }, signal })),
    staleTime: 60_000,
  });
}

export function overridesQuery(sku: string, channel: string) {
  return queryOptions({
    queryKey: forecastingKeys.overrides(sku, channel),
    queryFn: ({ signal }) =>
      unwrap(
        api.GET('/api/v1/forecasting/series/{sku}/{channel}/overrides', { params: { path: { sku, channel } }, signal }),
      ),
  });
}

/** URL of the series' CSV export (served by the API, session cookie). */
export function exportUrl(sku: string, channel: string): string {
  return `/api/v1/forecasting/series/${encodeURIComponent(sku)}/${encodeURIComponent(channel)}/export`;
}

export function useCreateOverride(sku: string, channel: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: CreateOverride) =>
      unwrap(api.POST('/api/v1/forecasting/series/{sku}/{channel}/overrides', { params: { path: { sku, channel } }, body })),
    onSuccess: async () => {
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: forecastingKeys.overrides(sku, channel) }),
        queryClient.invalidateQueries({ queryKey: forecastingKeys.detail(sku, channel) }),
      ]);
    },
  });
}

export function useStartRun() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => unwrap(api.POST('/api/v1/forecasting/runs')),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: forecastingKeys.all });
    },
  });
}
