import { queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';
import { api, unwrap, type Schemas } from '@/api/client';

export type PermissionMatrix = Schemas['PermissionMatrix'];
export type AdminUser = Schemas['AdminUser'];
export type CreateUser = Schemas['CreateUser'];
export type UpdateUser = Schemas['UpdateUser'];
export type SessionView = Schemas['SessionView'];
export type AuditEntry = Schemas['AuditEntryView'];
export type AuditVerification = Schemas['AuditVerification'];
export type SystemHealth = Schemas['SystemHealth'];
export type AdminRole = Schemas['Role'];
export type FeatureFlag = Schemas['FeatureFlag'];

export interface AuditFilters {
  action?: string;
  entity?: string;
  q?: string;
}

export const adminKeys = {
  all: ['admin'] as const,
  matrix: ['admin', 'matrix'] as const,
  users: ['admin', 'users'] as const,
  sessions: ['admin', 'sessions'] as const,
  audit: (filters: AuditFilters) => ['admin', 'audit', filters] as const,
  verify: ['admin', 'audit-verify'] as const,
  health: ['admin', 'health'] as const,
  flags: ['admin', 'flags'] as const,
};

export const matrixQuery = queryOptions({
  queryKey: adminKeys.matrix,
  queryFn: ({ signal }) => unwrap(api.GET('/api/v1/admin/permissions', { signal })),
});

export const usersQuery = queryOptions({
  queryKey: adminKeys.users,
  queryFn: ({ signal }) => unwrap(api.GET('/api/v1/admin/users', { signal })),
});

export const sessionsQuery = queryOptions({
  queryKey: adminKeys.sessions,
  queryFn: ({ signal }) => unwrap(api.GET('/api/v1/admin/sessions', { signal })),
});

export const healthQuery = queryOptions({
  queryKey: adminKeys.health,
  queryFn: ({ signal }) => unwrap(api.GET('/api/v1/admin/health', { signal })),
  refetchInterval: 15_000,
});

function clean(filters: AuditFilters): AuditFilters {
  const out: AuditFilters = {};
  for (const key of ['action', 'entity', 'q'] as const) {
    const value = filters[key]?.trim();
    if (value) out[key] = value;
  }
  return out;
}

export function auditQuery(filters: AuditFilters, limit = 100) {
  const query = clean(filters);
  return queryOptions({
    queryKey: adminKeys.audit(query),
    queryFn: ({ signal }) => unwrap(api.GET('/api/v1/admin/audit', { params: { query: { ...query, limit } }, signal })),
  });
}

/** The CSV export URL for the same filters (a plain link: the browser downloads it). */
export function auditExportHref(filters: AuditFilters): string {
  const params = new URLSearchParams(Object.entries(clean(filters)));
  const qs = params.toString();
  return `/api/v1/admin/audit/export${qs ? `?${qs}` : ''}`;
}

export function useVerifyAudit() {
  return useMutation({
    mutationKey: ['admin', 'audit', 'verify'],
    mutationFn: () => unwrap(api.GET('/api/v1/admin/audit/verify')),
  });
}

export function useSetRolePermissions() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationKey: ['admin', 'matrix', 'set'],
    mutationFn: ({ role, permissions }: { role: AdminRole; permissions: string[] }) =>
      unwrap(api.PUT('/api/v1/admin/roles/{role}/permissions', { params: { path: { role } }, body: { permissions } })),
    onSettled: () => {
      // The admin's own permissions (and so anything cached) may have changed.
      void queryClient.invalidateQueries();
    },
  });
}

function useUserMutation<V>(key: string, fn: (vars: V) => Promise<unknown>) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationKey: ['admin', 'users', key],
    mutationFn: fn,
    onSettled: () => {
      void queryClient.invalidateQueries({ queryKey: adminKeys.users });
      void queryClient.invalidateQueries({ queryKey: adminKeys.sessions });
      void queryClient.invalidateQueries({ queryKey: ['admin', 'audit'] });
    },
  });
}

export function useCreateUser() {
  return useUserMutation('create', (body: CreateUser) => unwrap(api.POST('/api/v1/admin/users', { body })));
}

export function useUpdateUser() {
  return useUserMutation('update', ({ id, change }: { id: number; change: UpdateUser }) =>
    unwrap(api.PATCH('/api/v1/admin/users/{id}', { params: { path: { id } }, body: change })),
  );
}

export function useEraseUser() {
  return useUserMutation('erase', (id: number) =>
    unwrap(api.POST('/api/v1/admin/users/{id}/erase', { params: { path: { id } } })),
  );
}

export function useResetMfa() {
  return useUserMutation('reset-mfa', (id: number) =>
    unwrap(api.POST('/api/v1/admin/users/{id}/reset-mfa', { params: { path: { id } } })),
  );
}

export function useRevokeSession() {
  return useUserMutation('revoke', (id: number) =>
    unwrap(api.DELETE('/api/v1/admin/sessions/{id}', { params: { path: { id } } })),
  );
}

export async function fetchUserExport(id: number) {
  return unwrap(api.GET('/api/v1/admin/users/{id}/export', { params: { path: { id } } }));
}

export const flagsQuery = queryOptions({
  queryKey: adminKeys.flags,
  queryFn: ({ signal }) => unwrap(api.GET('/api/v1/admin/features', { signal })),
});

export function useSetFlag() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationKey: ['admin', 'flags', 'set'],
    mutationFn: ({ key, mode, roles }: { key: string; mode: string; roles: AdminRole[] }) =>
      unwrap(api.PUT('/api/v1/admin/features/{key}', { params: { path: { key } }, body: { mode, roles } })),
    onSettled: () => {
      // Features the admin sees change too.
      void queryClient.invalidateQueries();
    },
  });
}

export type JobStateFilter = '' | 'queued' | 'running' | 'succeeded' | 'retrying' | 'dead' | 'discarded';

/** The job queue, newest first, optionally in one state; live events refresh it. */
export function jobsQuery(state: JobStateFilter) {
  return queryOptions({
    queryKey: ['admin', 'jobs', state] as const,
    queryFn: ({ signal }) =>
      unwrap(api.GET('/api/v1/admin/jobs', { params: { query: state ? { state, limit: 100 } : { limit: 100 } }, signal })),
  });
}

export function useJobAction() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationKey: ['admin', 'jobs', 'action'],
    mutationFn: ({ id, action }: { id: number; action: 'retry' | 'discard' }) =>
      action === 'retry'
        ? unwrap(api.POST('/api/v1/admin/jobs/{id}/retry', { params: { path: { id } } }))
        : unwrap(api.POST('/api/v1/admin/jobs/{id}/discard', { params: { path: { id } } })),
    onSettled: () => {
      void queryClient.invalidateQueries({ queryKey: ['admin', 'jobs'] });
      void queryClient.invalidateQueries({ queryKey: ['admin', 'audit'] });
    },
  });
}
