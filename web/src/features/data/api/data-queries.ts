import { queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';
import { api, unwrap, type Schemas } from '@/api/client';

export type Source = Schemas['SourceView'];
export type SourceList = Schemas['SourceList'];
export type SourceUpdate = Schemas['SourceUpdate'];
export type Reconciliation = Schemas['Reconciliation'];

/** A setting's value as the API stores it: text, a marketplace → channel map, a list, or removed. */
export type SettingValue = string | Record<string, string> | string[] | null;

/** The change a source form sends; settings and credentials keep their JSON shapes. */
export interface SourceChange {
  settings?: Record<string, SettingValue>;
  credentials?: Record<string, string>;
  enabled?: boolean;
  sync_every_secs?: number;
}

export const dataKeys = {
  all: ['data'] as const,
  sources: ['data', 'sources'] as const,
};

/** Every source with its sync state; live events (`source.updated`, `job.updated`) refresh it. */
export const sourcesQuery = queryOptions({
  queryKey: dataKeys.sources,
  queryFn: ({ signal }) => unwrap(api.GET('/api/v1/sources', { signal })),
});

/** A source's settings as the JSON object they are (the generated type cannot say so). */
export function settingsOf(source: Source): Record<string, unknown> {
  return source.settings;
}

export function useUpdateSource(code: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationKey: ['data', 'sources', code, 'update'],
    mutationFn: (change: SourceChange) =>
      unwrap(
        api.PUT('/api/v1/sources/{code}', {
          params: { path: { code } },
          // Settings and credentials are free-form JSON objects in the OpenAPI document.
          body: change as SourceUpdate,
        }),
      ),
    onSuccess: (updated) => {
      queryClient.setQueryData(dataKeys.sources, (list: SourceList | undefined) =>
        list ? { ...list, sources: list.sources.map((s) => (s.code === updated.code ? updated : s)) } : list,
      );
    },
    onSettled: () => {
      void queryClient.invalidateQueries({ queryKey: dataKeys.sources });
    },
  });
}

export function useSyncSource(code: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationKey: ['data', 'sources', code, 'sync'],
    mutationFn: ({ full }: { full: boolean }) =>
      unwrap(api.POST('/api/v1/sources/{code}/sync', { params: { path: { code }, query: { full } } })),
    onSettled: () => {
      void queryClient.invalidateQueries({ queryKey: dataKeys.sources });
    },
  });
}

export function useReconcileSource(code: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationKey: ['data', 'sources', code, 'reconcile'],
    mutationFn: () => unwrap(api.POST('/api/v1/sources/{code}/reconcile', { params: { path: { code } } })),
    onSettled: () => {
      void queryClient.invalidateQueries({ queryKey: dataKeys.sources });
    },
  });
}
