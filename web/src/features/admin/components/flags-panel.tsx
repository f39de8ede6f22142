import { useQuery } from '@tanstack/react-query';
import { asApiError } from '@/api/errors';
import { flagsQuery, useSetFlag, type AdminRole, type FeatureFlag } from '@/features/admin/api/admin-queries';
import { ErrorAlert } from '@/shared/components/alert';
import { Panel } from '@/shared/components/panel';
import { Skeleton } from '@/shared/components/skeleton';

const ROLES: AdminRole[] = ['ADMIN', 'MANAGER', 'OPERATOR', 'VIEWER'];

function FlagRow({ flag, canEdit }: { flag: FeatureFlag; canEdit: boolean }) {
  const set = useSetFlag();
  const disabled = !canEdit || set.isPending;
  return (
    <tr>
      <th scope="row" className="px-3 py-2 text-left font-normal">
        <span className="font-mono text-xs text-slate-900">{flag.key}</span>
        <span className="block text-xs text-slate-500">{flag.description}</span>
      </th>
      <td className="px-3 py-2">
        <select
          aria-label={`Setting of ${flag.key}`}
          className="h-9 rounded-md border border-slate-300 px-2 text-sm"
          value={flag.mode}
          disabled={disabled}
          onChange={(e) => {
            const mode = e.target.value;
            set.mutate({ key: flag.key, mode, roles: mode === 'roles' ? ['ADMIN'] : [] });
          }}
        >
          <option value="on">On for everyone</option>
          <option value="off">Off</option>
          <option value="roles">On for some roles</option>
        </select>
      </td>
      <td className="px-3 py-2">
        {flag.mode === 'roles' ? (
          <div className="flex flex-wrap gap-2">
            {ROLES.map((r) => (
              <label key={r} className="flex items-center gap-1 text-xs">
                <input
                  type="checkbox"
                  disabled={disabled}
                  checked={flag.roles.includes(r)}
                  onChange={(e) => {
                    const roles = e.target.checked ? [...flag.roles, r] : flag.roles.filter((x) => x !== r);
                    set.mutate({ key: flag.key, mode: 'roles', roles });
                  }}
                />
                {r}
              </label>
            ))}
          </div>
        ) : null}
        {set.error ? <p className="text-xs text-red-700">{asApiError(set.error).message}</p> : null}
      </td>
    </tr>
  );
}

export function FlagsPanel({ canEdit }: { canEdit: boolean }) {
  const flags = useQuery(flagsQuery);
  return (
    <Panel title="Feature flags" titleId="flags-title" description="Switch features on, off or for some roles; applies to every user's next request.">
      {flags.error ? (
        <ErrorAlert title="Could not load feature flags" error={flags.error} />
      ) : flags.isPending ? (
        <Skeleton className="h-24 w-full" />
      ) : (
        <table className="min-w-full divide-y divide-slate-200 text-sm">
          <caption className="sr-only">Feature flags</caption>
          <thead className="bg-slate-50 text-left text-xs font-semibold uppercase tracking-wide text-slate-500">
            <tr>
              <th scope="col" className="px-3 py-2">Feature</th>
              <th scope="col" className="px-3 py-2">Setting</th>
              <th scope="col" className="px-3 py-2">Roles</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {flags.data.flags.map((f) => (
              <FlagRow key={f.key} flag={f} canEdit={canEdit} />
            ))}
          </tbody>
        </table>
      )}
    </Panel>
  );
}
