import { queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';
import { api, unwrap, type Schemas } from '@/api/client';

export type ApiTokenView = Schemas['ApiTokenView'];
export type CreateApiToken = Schemas['CreateApiToken'];

export const accountKeys = {
  sessions: ['account', 'sessions'] as const,
  tokens: ['account', 'tokens'] as const,
};

export const mySessionsQuery = queryOptions({
  queryKey: accountKeys.sessions,
  queryFn: ({ signal }) => unwrap(api.GET('/api/v1/me/sessions', { signal })),
});

export const myTokensQuery = queryOptions({
  queryKey: accountKeys.tokens,
  queryFn: ({ signal }) => unwrap(api.GET('/api/v1/me/tokens', { signal })),
});

export function useRevokeMySession() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationKey: ['account', 'sessions', 'revoke'],
    mutationFn: (id: number) => unwrap(api.DELETE('/api/v1/me/sessions/{id}', { params: { path: { id } } })),
    onSettled: () => {
      void queryClient.invalidateQueries({ queryKey: accountKeys.sessions });
    },
  });
}

export function useCreateToken() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationKey: ['account', 'tokens', 'create'],
    mutationFn: (body: CreateApiToken) => unwrap(api.POST('/api/v1/me/tokens', { body })),
    onSettled: () => {
      void queryClient.invalidateQueries({ queryKey: accountKeys.tokens });
    },
  });
}

export function useRevokeToken() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationKey: ['account', 'tokens', 'revoke'],
    mutationFn: (id: number) => unwrap(api.DELETE('/api/v1/me/tokens/{id}', { params: { path: { id } } })),
    onSettled: () => {
      void queryClient.invalidateQueries({ queryKey: accountKeys.tokens });
    },
  });
}
