import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { NAV_ITEMS } from '@/app/nav-items';
import { hasPermission, meQuery } from '@/features/auth/api/auth-queries';
import { EmptyState } from '@/shared/components/empty-state';

interface RequirePermissionProps {
  permission: string;
  title: string;
  children: ReactNode;
}

/** Hides a section the user may not see (the server enforces it regardless). */
export function RequirePermission({ permission, title, children }: RequirePermissionProps) {
  const { data: me } = useQuery(meQuery);
  if (hasPermission(me, permission)) {
    return (
      <>
        <title>{`${title} · Sentia`}</title>
        {children}
      </>
    );
  }
  const allowed = NAV_ITEMS.filter((item) => hasPermission(me, item.permission));
  return (
    <>
      <title>No access · Sentia</title>
      <h1 className="sr-only">{title}</h1>
      <EmptyState title="You do not have access to this section">
        <p>Ask an administrator if you need it.</p>
        {allowed.length > 0 ? (
          <ul className="mt-3 flex flex-wrap justify-center gap-3">
            {allowed.map((item) => (
              <li key={item.to}>
                <Link to={item.to} className="font-medium text-indigo-700 hover:underline">
                  {item.label}
                </Link>
              </li>
            ))}
          </ul>
        ) : null}
      </EmptyState>
    </>
  );
}
