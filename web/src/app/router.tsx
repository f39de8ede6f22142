import { useQuery, useQueryClient } from '@tanstack/react-query';
import { lazy, Suspense, useState, type ReactNode } from 'react';
import { createBrowserRouter, Link } from 'react-router';
import { NotFoundPage } from '@/app/not-found-page';
import { ProtectedLayout } from '@/app/protected-layout';
import { RequirePermission } from '@/app/require-permission';
import { authKeys, featureOn, featuresQuery, hasPermission, meQuery } from '@/features/auth/api/auth-queries';
import { LoginPage } from '@/features/auth/components/login-page';
import { MfaEnrollPanel, StepUpBar } from '@/features/auth/components/mfa-panels';
import { LoadingRegion, Skeleton } from '@/shared/components/skeleton';

// Pages load on demand so the login screen does not wait for the charting library.
const OverviewPage = lazy(async () => ({
  default: (await import('@/features/overview/components/overview-page')).OverviewPage,
}));
const ProductsPage = lazy(async () => ({
  default: (await import('@/features/products/components/products-page')).ProductsPage,
}));

const AccountPage = lazy(async () => ({
  default: (await import('@/features/account/components/account-page')).AccountPage,
}));

const AdminPage = lazy(async () => ({
  default: (await import('@/features/admin/components/admin-page')).AdminPage,
}));

const DataPage = lazy(async () => ({
  default: (await import('@/features/data/components/data-page')).DataPage,
}));

const ImportsPage = lazy(async () => ({
  default: (await import('@/features/imports/components/imports-page')).ImportsPage,
}));

/** The import wizard with what the user may do there. */
function ImportsRoute() {
  const { data: me } = useQuery(meQuery);
  return <ImportsPage canImport={hasPermission(me, 'data:execute')} />;
}

const ForecastingPage = lazy(async () => ({
  default: (await import('@/features/forecasting/components/forecasting-page')).ForecastingPage,
}));

/** The forecasting page with what the user may do there (from `/api/v1/me`). */
function ForecastingRoute() {
  const { data: me } = useQuery(meQuery);
  const { data: features } = useQuery(featuresQuery);
  return (
    <ForecastingPage
      canRun={hasPermission(me, 'forecasting:execute')}
      canOverride={hasPermission(me, 'forecasting:write') && featureOn(features, 'forecast_overrides')}
      canExport={featureOn(features, 'forecast_export')}
    />
  );
}

/**
 * The Data page with what the user may do there. Changing a connection needs two-factor
 * sign-in and a recent code (the server refuses it otherwise), as administration does.
 */
function DataRoute() {
  const { data: me } = useQuery(meQuery);
  const queryClient = useQueryClient();
  // The bar above reads the clock when it renders: once the server says the last code has
  // expired, render again so it asks for a new one.
  const [, setStepUpAsks] = useState(0);
  if (!me) return null;
  const mayConfigure = hasPermission(me, 'data:configure');
  return (
    <>
      {mayConfigure && me.mfa_enabled ? <StepUpBar me={me} /> : null}
      <DataPage
        canExecute={hasPermission(me, 'data:execute')}
        canConfigure={mayConfigure && me.mfa_enabled}
        notice={
          mayConfigure && !me.mfa_enabled ? (
            <p role="note" className="mb-4 rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900">
              Connecting a source needs two-factor sign-in.{' '}
              <Link to="/admin" className="font-medium text-indigo-700 hover:underline">
                Set it up in Administration
              </Link>
              , then come back here.
            </p>
          ) : null
        }
        onStepUpNeeded={() => {
          setStepUpAsks((n) => n + 1);
          void queryClient.invalidateQueries({ queryKey: authKeys.me });
        }}
      />
    </>
  );
}

function AccountRoute() {
  const { data: me } = useQuery(meQuery);
  const { data: features } = useQuery(featuresQuery);
  return <AccountPage permissions={me?.permissions ?? []} tokensEnabled={featureOn(features, 'api_tokens')} />;
}

/** The admin portal with what the user may change there. */
function AdminRoute() {
  const { data: me } = useQuery(meQuery);
  if (!me) return null;
  // The server refuses administration without two-factor sign-in; set it up first.
  if (!me.mfa_enabled) return <MfaEnrollPanel />;
  return (
    <>
      <StepUpBar me={me} />
      <AdminPage canEdit={hasPermission(me, 'admin:write')} selfId={me.id} />
    </>
  );
}

function Page({ children }: { children: ReactNode }) {
  return (
    <Suspense
      fallback={
        <LoadingRegion label="Loading page">
          <Skeleton className="h-8 w-64" />
          <Skeleton className="mt-6 h-40 w-full" />
        </LoadingRegion>
      }
    >
      {children}
    </Suspense>
  );
}

export function createRouter() {
  return createBrowserRouter([
    { path: '/login', element: <LoginPage /> },
    {
      element: <ProtectedLayout />,
      children: [
        {
          index: true,
          element: (
            <RequirePermission permission="dashboard:read" title="Overview">
              <Page>
                <OverviewPage />
              </Page>
            </RequirePermission>
          ),
        },
        {
          path: 'products',
          element: (
            <RequirePermission permission="inventory:read" title="Products">
              <Page>
                <ProductsPage />
              </Page>
            </RequirePermission>
          ),
        },
        {
          path: 'forecasting',
          element: (
            <RequirePermission permission="forecasting:read" title="Forecasting">
              <Page>
                <ForecastingRoute />
              </Page>
            </RequirePermission>
          ),
        },
        {
          path: 'data',
          element: (
            <RequirePermission permission="data:read" title="Data">
              <Page>
                <DataRoute />
              </Page>
            </RequirePermission>
          ),
        },
        {
          path: 'data/import',
          element: (
            <RequirePermission permission="data:read" title="Import data">
              <Page>
                <ImportsRoute />
              </Page>
            </RequirePermission>
          ),
        },
        {
          path: 'account',
          element: (
            <Page>
              <title>Your account · Sentia</title>
              <AccountRoute />
            </Page>
          ),
        },
        {
          path: 'admin',
          element: (
            <RequirePermission permission="admin:read" title="Administration">
              <Page>
                <AdminRoute />
              </Page>
            </RequirePermission>
          ),
        },
        { path: '*', element: <NotFoundPage /> },
      ],
    },
  ]);
}
