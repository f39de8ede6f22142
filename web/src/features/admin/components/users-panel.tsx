import { useQuery } from '@tanstack/react-query';
import { useState, type SubmitEvent } from 'react';
import { asApiError } from '@/api/errors';
import {
  fetchUserExport,
  useCreateUser,
  useEraseUser,
  useResetMfa,
  useUpdateUser,
  usersQuery,
  type AdminRole,
  type AdminUser,
} from '@/features/admin/api/admin-queries';
import { ErrorAlert } from '@/shared/components/alert';
import { Button } from '@/shared/components/button';
import { Panel } from '@/shared/components/panel';
import { LoadingRegion, Skeleton } from '@/shared/components/skeleton';
import { downloadText } from '@/shared/lib/download';
import { formatDateTime } from '@/features/admin/lib/format-time';

const ROLES: AdminRole[] = ['ADMIN', 'MANAGER', 'OPERATOR', 'VIEWER'];
const MIN_LENGTH: Record<AdminRole, number> = { ADMIN: 14, MANAGER: 12, OPERATOR: 10, VIEWER: 8 };

const input = 'h-9 rounded-md border border-slate-300 px-2 text-sm focus:border-indigo-500 focus:outline-none';

function CreateUserForm() {
  const create = useCreateUser();
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [role, setRole] = useState<AdminRole>('VIEWER');
  const [password, setPassword] = useState('');
  const error = create.error ? asApiError(create.error) : null;
  const fieldError = (field: string) => error?.details.find((d) => d.field === field)?.reason;

  const submit = (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    create.mutate(
      { email, name, role, password },
      {
        onSuccess: () => {
          setEmail('');
          setName('');
          setPassword('');
        },
      },
    );
  };

  return (
    <form onSubmit={submit} className="mb-4 grid gap-3 rounded-lg border border-slate-200 p-3 sm:grid-cols-5" aria-label="Create a user">
      <label className="flex flex-col gap-1 text-xs font-medium text-slate-600">
        E-mail
        <input className={input} type="email" required value={email} onChange={(e) => { setEmail(e.target.value); }} />
        {fieldError('email') ? <span className="text-red-700">{fieldError('email')}</span> : null}
      </label>
      <label className="flex flex-col gap-1 text-xs font-medium text-slate-600">
        Name
        <input className={input} required value={name} onChange={(e) => { setName(e.target.value); }} />
        {fieldError('name') ? <span className="text-red-700">{fieldError('name')}</span> : null}
      </label>
      <label className="flex flex-col gap-1 text-xs font-medium text-slate-600">
        Role
        <select className={input} value={role} onChange={(e) => { setRole(e.target.value as AdminRole); }}>
          {ROLES.map((r) => (
            <option key={r}>{r}</option>
          ))}
        </select>
      </label>
      <label className="flex flex-col gap-1 text-xs font-medium text-slate-600">
        Initial password (≥ {MIN_LENGTH[role]} characters)
        <input className={input} type="password" required autoComplete="new-password" value={password} onChange={(e) => { setPassword(e.target.value); }} />
        {fieldError('password') ? <span className="text-red-700">{fieldError('password')}</span> : null}
      </label>
      <div className="flex items-end">
        <Button type="submit" variant="primary" disabled={create.isPending}>
          {create.isPending ? 'Creating…' : 'Create user'}
        </Button>
      </div>
      {error && error.details.length === 0 ? (
        <div className="sm:col-span-5">
          <ErrorAlert title="Could not create the user" error={create.error} />
        </div>
      ) : null}
    </form>
  );
}

function UserRow({ user, selfId, canEdit }: { user: AdminUser; selfId: number; canEdit: boolean }) {
  const update = useUpdateUser();
  const erase = useEraseUser();
  const resetMfa = useResetMfa();
  const [exportError, setExportError] = useState<unknown>(null);
  const self = user.id === selfId;
  const erased = user.erased_at != null;
  const busy = !canEdit || update.isPending || erase.isPending;

  const exportData = async () => {
    setExportError(null);
    try {
      const data = await fetchUserExport(user.id);
      downloadText(JSON.stringify(data, null, 2), `sentia-user-${user.id}.json`, 'application/json');
    } catch (e) {
      setExportError(e);
    }
  };

  return (
    <tr>
      <th scope="row" className="px-3 py-2 text-left font-normal">
        <span className="font-medium text-slate-900">{user.name}</span>
        <span className="block text-xs text-slate-500">{user.email}</span>
      </th>
      <td className="px-3 py-2">
        <select
          aria-label={`Role of ${user.email}`}
          className={input}
          value={user.role}
          disabled={self || erased || busy}
          onChange={(e) => { update.mutate({ id: user.id, change: { role: e.target.value as AdminRole } }); }}
        >
          {ROLES.map((r) => (
            <option key={r}>{r}</option>
          ))}
        </select>
      </td>
      <td className="px-3 py-2 text-sm">{erased ? 'Erased' : user.active ? 'Active' : 'Deactivated'}</td>
      <td className="px-3 py-2 text-right tabular-nums">{user.sessions}</td>
      <td className="px-3 py-2 text-sm text-slate-600">{user.last_seen_at ? formatDateTime(user.last_seen_at) : '—'}</td>
      <td className="px-3 py-2">
        <div className="flex flex-wrap gap-1">
          {!erased ? (
            <Button
              size="sm"
              disabled={self || busy}
              onClick={() => { update.mutate({ id: user.id, change: { active: !user.active } }); }}
            >
              {user.active ? 'Deactivate' : 'Activate'}
            </Button>
          ) : null}
          {!erased ? (
            <Button
              size="sm"
              variant="ghost"
              disabled={busy || resetMfa.isPending}
              onClick={() => {
                if (window.confirm(`Reset two-factor sign-in of ${user.email}? Their sessions end and they set it up again.`)) {
                  resetMfa.mutate(user.id);
                }
              }}
            >
              Reset 2FA
            </Button>
          ) : null}
          <Button size="sm" variant="ghost" onClick={() => void exportData()}>
            Export data
          </Button>
          {!erased ? (
            <Button
              size="sm"
              variant="ghost"
              disabled={self || busy}
              onClick={() => {
                if (window.confirm(`Erase ${user.email}? Their name, e-mail and addresses are deleted for good; audit rows stay.`)) {
                  erase.mutate(user.id);
                }
              }}
            >
              Erase
            </Button>
          ) : null}
        </div>
        {update.error || erase.error || resetMfa.error || exportError ? (
          <p className="mt-1 text-xs text-red-700">{asApiError(update.error ?? erase.error ?? resetMfa.error ?? exportError).message}</p>
        ) : null}
      </td>
    </tr>
  );
}

export function UsersPanel({ canEdit, selfId }: { canEdit: boolean; selfId: number }) {
  const users = useQuery(usersQuery);
  return (
    <Panel title="Users" titleId="users-title" description="Who can sign in, with which role. A role change or deactivation ends the user's sessions.">
      {canEdit ? <CreateUserForm /> : null}
      {users.error ? (
        <ErrorAlert title="Could not load users" error={users.error} onRetry={() => void users.refetch()} />
      ) : users.isPending ? (
        <LoadingRegion label="Loading users">
          <Skeleton className="h-40 w-full" />
        </LoadingRegion>
      ) : (
        <div className="overflow-x-auto">
          <table className="min-w-full divide-y divide-slate-200 text-sm">
            <caption className="sr-only">Users</caption>
            <thead className="bg-slate-50 text-left text-xs font-semibold uppercase tracking-wide text-slate-500">
              <tr>
                <th scope="col" className="px-3 py-2">User</th>
                <th scope="col" className="px-3 py-2">Role</th>
                <th scope="col" className="px-3 py-2">Status</th>
                <th scope="col" className="px-3 py-2 text-right">Sessions</th>
                <th scope="col" className="px-3 py-2">Last seen</th>
                <th scope="col" className="px-3 py-2">Actions</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {users.data.users.map((u) => (
                <UserRow key={u.id} user={u} selfId={selfId} canEdit={canEdit} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Panel>
  );
}
