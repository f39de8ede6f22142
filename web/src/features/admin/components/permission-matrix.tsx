import { useQuery } from '@tanstack/react-query';
import { Fragment, useState } from 'react';
import { matrixQuery, useSetRolePermissions, type AdminRole, type PermissionMatrix } from '@/features/admin/api/admin-queries';
import { changes, grantsOf, groupByResource, toggle, type Grants } from '@/features/admin/lib/matrix-edit';
import { ErrorAlert } from '@/shared/components/alert';
import { Button } from '@/shared/components/button';
import { Panel } from '@/shared/components/panel';
import { LoadingRegion, Skeleton } from '@/shared/components/skeleton';
import { cn } from '@/shared/lib/cn';

const ROLES: AdminRole[] = ['ADMIN', 'MANAGER', 'OPERATOR', 'VIEWER'];

interface MatrixEditorProps {
  matrix: PermissionMatrix;
  canEdit: boolean;
  savedMessage: string | null;
  setSavedMessage: (message: string | null) => void;
}

function MatrixEditor({ matrix, canEdit, savedMessage, setSavedMessage }: MatrixEditorProps) {
  const saved = grantsOf(matrix);
  const [draft, setDraft] = useState<Grants>(saved);
  const save = useSetRolePermissions();
  const pending = changes(saved, draft);
  const keeps = new Set(matrix.admin_keeps);

  const onSave = async () => {
    setSavedMessage(null);
    try {
      for (const change of pending) {
        await save.mutateAsync({ role: change.role, permissions: draft[change.role] });
      }
      setSavedMessage(
        `Saved: ${pending.map((c) => c.role).join(', ')}. The change applies to each user's next request.`,
      );
    } catch {
      // The error is shown from the mutation state.
    }
  };

  return (
    <>
      <div className="overflow-x-auto">
        <table className="min-w-full divide-y divide-slate-200 text-sm">
          <caption className="sr-only">Role permission matrix</caption>
          <thead className="bg-slate-50">
            <tr>
              <th scope="col" className="px-3 py-2 text-left text-xs font-semibold uppercase tracking-wide text-slate-500">
                Permission
              </th>
              {ROLES.map((role) => (
                <th key={role} scope="col" className="px-3 py-2 text-center text-xs font-semibold uppercase tracking-wide text-slate-500">
                  {role}
                </th>
              ))}
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100 bg-white">
            {groupByResource(matrix.permissions).map((group) => (
              <Fragment key={group.resource}>
                <tr className="bg-slate-50/60">
                  <th scope="rowgroup" colSpan={ROLES.length + 1} className="px-3 py-1.5 text-left text-xs font-semibold text-slate-700">
                    {group.label}
                  </th>
                </tr>
                {group.permissions.map((p) => (
                  <tr key={p.code}>
                    <th scope="row" className="px-3 py-2 text-left font-normal">
                      <span className="font-mono text-xs text-slate-900">{p.code}</span>
                      <span className="block text-xs text-slate-500">{p.description}</span>
                    </th>
                    {ROLES.map((role) => {
                      const on = draft[role].includes(p.code);
                      const changed = on !== saved[role].includes(p.code);
                      const locked = role === 'ADMIN' && keeps.has(p.code);
                      return (
                        <td key={role} className={cn('px-3 py-2 text-center', changed && 'bg-amber-50')}>
                          <input
                            type="checkbox"
                            className="size-4 accent-indigo-600"
                            aria-label={`${role} ${p.code}`}
                            checked={on}
                            disabled={!canEdit || locked || save.isPending}
                            title={locked ? 'ADMIN always keeps this permission' : undefined}
                            onChange={(event) => {
                              setSavedMessage(null);
                              setDraft(toggle(draft, role, p.code, event.target.checked));
                            }}
                          />
                        </td>
                      );
                    })}
                  </tr>
                ))}
              </Fragment>
            ))}
          </tbody>
        </table>
      </div>
      {canEdit ? (
        <div className="mt-4 flex flex-wrap items-center gap-3">
          <Button variant="primary" disabled={pending.length === 0 || save.isPending} onClick={() => void onSave()}>
            {save.isPending ? 'Saving…' : `Save changes${pending.length ? ` (${pending.length} role${pending.length > 1 ? 's' : ''})` : ''}`}
          </Button>
          <Button variant="ghost" disabled={pending.length === 0 || save.isPending} onClick={() => { setDraft(saved); }}>
            Discard
          </Button>
          {pending.length > 0 ? (
            <p className="text-sm text-slate-600">
              {pending
                .map((c) => `${c.role}: ${[...c.added.map((a) => `+${a}`), ...c.removed.map((r) => `−${r}`)].join(' ')}`)
                .join('; ')}
            </p>
          ) : null}
          <p role="status" className="text-sm text-emerald-700">
            {savedMessage}
          </p>
        </div>
      ) : null}
      {save.error ? <ErrorAlert title="Could not save the matrix" error={save.error} /> : null}
    </>
  );
}

export function PermissionMatrixPanel({ canEdit }: { canEdit: boolean }) {
  const matrix = useQuery(matrixQuery);
  const [savedMessage, setSavedMessage] = useState<string | null>(null);
  return (
    <Panel
      title="Roles and permissions"
      titleId="matrix-title"
      description="What each role may do. Saved changes apply to every user's next request, on every instance, with no restart."
    >
      {matrix.error ? (
        <ErrorAlert title="Could not load the matrix" error={matrix.error} onRetry={() => void matrix.refetch()} />
      ) : matrix.isPending ? (
        <LoadingRegion label="Loading the matrix">
          <Skeleton className="h-64 w-full" />
        </LoadingRegion>
      ) : (
        // Re-mount on new server data so the draft starts from what is saved.
        <MatrixEditor
          key={JSON.stringify(matrix.data.roles)}
          matrix={matrix.data}
          canEdit={canEdit}
          savedMessage={savedMessage}
          setSavedMessage={setSavedMessage}
        />
      )}
    </Panel>
  );
}
