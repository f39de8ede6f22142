import { queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';
import { api, unwrap, type Schemas } from '@/api/client';

export type Me = Schemas['Me'];
export type Role = Schemas['Role'];
export type LoginRequest = Schemas['LoginRequest'];

export const authKeys = {
  me: ['auth', 'me'] as const,
};

export const meQuery = queryOptions({
  queryKey: authKeys.me,
  queryFn: ({ signal }) => unwrap(api.GET('/api/v1/me', { signal })),
  staleTime: 60_000,
});

export type Providers = Schemas['Providers'];

/** Sign-in methods besides e-mail and password (an OpenID Connect provider, if configured). */
export const providersQuery = queryOptions({
  queryKey: ['auth', 'providers'] as const,
  queryFn: ({ signal }) => unwrap(api.GET('/api/v1/auth/providers', { signal })),
  staleTime: 5 * 60_000,
});

export function hasPermission(me: Me | undefined, permission: string): boolean {
  return me?.permissions.includes(permission) ?? false;
}

export function useLogin() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationKey: ['login'],
    mutationFn: (body: LoginRequest) => unwrap(api.POST('/api/v1/auth/login', { body })),
    onSuccess: (me) => {
      // Data cached for a previous user must never leak into this session.
      queryClient.removeQueries({ predicate: (query) => query.queryKey[0] !== authKeys.me[0] });
      queryClient.setQueryData(authKeys.me, me);
    },
  });
}

export function useLogout() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationKey: ['logout'],
    mutationFn: () => unwrap(api.POST('/api/v1/auth/logout')),
    onSettled: () => {
      queryClient.clear();
    },
  });
}

export type MfaEnrollment = Schemas['MfaEnrollment'];

/** Checks a second-factor code: finishes a sign-in, or steps up the session for 5 minutes. */
export function useVerifyMfa() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationKey: ['mfa', 'verify'],
    mutationFn: (code: string) => unwrap(api.POST('/api/v1/auth/mfa/verify', { body: { code } })),
    onSuccess: (me) => {
      queryClient.setQueryData(authKeys.me, me);
    },
  });
}

export function useEnrollMfa() {
  return useMutation({
    mutationKey: ['mfa', 'enroll'],
    mutationFn: () => unwrap(api.POST('/api/v1/me/mfa/enroll')),
  });
}

export function useConfirmMfa() {
  return useMutation({
    mutationKey: ['mfa', 'confirm'],
    mutationFn: (code: string) => unwrap(api.POST('/api/v1/me/mfa/confirm', { body: { code } })),
  });
}

/** Whether the session's last second-factor check still counts as a step-up. */
export function steppedUp(me: Me | undefined, now = Date.now()): boolean {
  return me?.step_up_until != null && Date.parse(me.step_up_until) > now;
}

export const featuresQuery = queryOptions({
  queryKey: ['auth', 'features'] as const,
  queryFn: ({ signal }) => unwrap(api.GET('/api/v1/features', { signal })),
  staleTime: 60_000,
});

/** Whether feature `key` is on for the user (off while unknown). */
export function featureOn(features: Schemas['FeatureList'] | undefined, key: string): boolean {
  return features?.features.find((f) => f.key === key)?.enabled ?? false;
}
