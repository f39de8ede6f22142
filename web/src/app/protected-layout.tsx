import { useQuery } from '@tanstack/react-query';
import { Navigate, Outlet, useLocation } from 'react-router';
import { asApiError } from '@/api/errors';
import { AppShell } from '@/app/app-shell';
import { LiveUpdatesProvider } from '@/app/live-updates';
import { hasPermission, meQuery } from '@/features/auth/api/auth-queries';
import { ErrorAlert } from '@/shared/components/alert';
import { LoadingRegion, Skeleton } from '@/shared/components/skeleton';

/** Renders the app shell for a signed-in user; sends everyone else to the login page. */
export function ProtectedLayout() {
  const me = useQuery(meQuery);
  const location = useLocation();

  if (me.error && asApiError(me.error).isUnauthorized) {
    const next = `${location.pathname}${location.search}`;
    const search = next === '/' ? '' : `?next=${encodeURIComponent(next)}`;
    return <Navigate to={`/login${search}`} replace />;
  }
  if (me.data?.mfa_pending) {
    const next = `${location.pathname}${location.search}`;
    return <Navigate to={`/login${next === '/' ? '' : `?next=${encodeURIComponent(next)}`}`} replace />;
  }
  if (me.error && !me.data) {
    return (
      <main className="mx-auto max-w-lg p-6">
        <ErrorAlert
          title="Could not load your account"
          error={me.error}
          onRetry={() => {
            void me.refetch();
          }}
        />
      </main>
    );
  }
  if (!me.data) {
    return (
      <LoadingRegion label="Loading Sentia">
        <div className="flex min-h-dvh">
          <div className="hidden w-60 border-r border-slate-200 bg-white p-4 lg:block">
            <Skeleton className="h-8 w-32" />
            <Skeleton className="mt-8 h-6 w-40" />
            <Skeleton className="mt-3 h-6 w-36" />
          </div>
          <div className="flex-1 p-6">
            <Skeleton className="h-8 w-64" />
            <Skeleton className="mt-6 h-32 w-full" />
          </div>
        </div>
      </LoadingRegion>
    );
  }
  return (
    <LiveUpdatesProvider enabled={hasPermission(me.data, 'dashboard:read')}>
      <AppShell me={me.data}>
        <Outlet />
      </AppShell>
    </LiveUpdatesProvider>
  );
}
