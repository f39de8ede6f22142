import { useSearchParams } from 'react-router';
import { AuditPanel } from '@/features/admin/components/audit-panel';
import { FlagsPanel } from '@/features/admin/components/flags-panel';
import { JobsPanel } from '@/features/admin/components/jobs-panel';
import { PermissionMatrixPanel } from '@/features/admin/components/permission-matrix';
import { SessionsPanel } from '@/features/admin/components/sessions-panel';
import { SystemPanel } from '@/features/admin/components/system-panel';
import { UsersPanel } from '@/features/admin/components/users-panel';
import { PageHeader } from '@/shared/components/page-header';
import { cn } from '@/shared/lib/cn';

const TABS = [
  { id: 'users', label: 'Users' },
  { id: 'permissions', label: 'Roles and permissions' },
  { id: 'sessions', label: 'Sessions' },
  { id: 'flags', label: 'Feature flags' },
  { id: 'audit', label: 'Audit log' },
  { id: 'jobs', label: 'Jobs' },
  { id: 'system', label: 'System health' },
] as const;

type TabId = (typeof TABS)[number]['id'];

/** The admin portal; `canEdit` when the user holds `admin:write`, `selfId` is their user id. */
export function AdminPage({ canEdit, selfId }: { canEdit: boolean; selfId: number }) {
  const [params, setParams] = useSearchParams();
  const tab: TabId = TABS.find((t) => t.id === params.get('tab'))?.id ?? 'users';

  return (
    <>
      <PageHeader title="Administration" description="Users, what each role may do, sessions, the audit trail, background jobs and the health of this instance." />
      <div role="tablist" aria-label="Administration sections" className="mb-4 flex flex-wrap gap-1 border-b border-slate-200">
        {TABS.map((t) => (
          <button
            key={t.id}
            type="button"
            role="tab"
            aria-selected={tab === t.id}
            className={cn(
              '-mb-px border-b-2 px-3 py-2 text-sm font-medium',
              tab === t.id ? 'border-indigo-600 text-indigo-700' : 'border-transparent text-slate-600 hover:text-slate-900',
            )}
            onClick={() => { setParams({ tab: t.id }); }}
          >
            {t.label}
          </button>
        ))}
      </div>
      <div role="tabpanel" aria-label={TABS.find((t) => t.id === tab)?.label}>
        {tab === 'users' ? <UsersPanel canEdit={canEdit} selfId={selfId} /> : null}
        {tab === 'permissions' ? <PermissionMatrixPanel canEdit={canEdit} /> : null}
        {tab === 'sessions' ? <SessionsPanel canEdit={canEdit} /> : null}
        {tab === 'flags' ? <FlagsPanel canEdit={canEdit} /> : null}
        {tab === 'audit' ? <AuditPanel /> : null}
        {tab === 'jobs' ? <JobsPanel canEdit={canEdit} /> : null}
        {tab === 'system' ? <SystemPanel /> : null}
      </div>
    </>
  );
}
