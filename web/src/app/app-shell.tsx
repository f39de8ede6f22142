import { useState, type ReactNode } from 'react';
import { NavLink, useNavigate } from 'react-router';
import { LiveStatus } from '@/app/live-updates';
import { NAV_ITEMS } from '@/app/nav-items';
import { hasPermission, useLogout, type Me } from '@/features/auth/api/auth-queries';
import { Button } from '@/shared/components/button';
import { cn } from '@/shared/lib/cn';

const ROLE_LABELS: Record<Me['role'], string> = {
  ADMIN: 'Admin',
  MANAGER: 'Manager',
  OPERATOR: 'Operator',
  VIEWER: 'Viewer',
};

function NavLinks({ me, onNavigate }: { me: Me; onNavigate?: () => void }) {
  const items = NAV_ITEMS.filter((item) => hasPermission(me, item.permission));
  const linkClass = 'flex items-center rounded-md px-3 py-2 text-sm font-medium';
  return (
    <ul className="space-y-1">
      {items.map((item) => (
        <li key={item.to}>
          <NavLink
            to={item.to}
            end={item.to === '/'}
            onClick={onNavigate}
            className={({ isActive }) =>
              cn(
                linkClass,
                isActive ? 'bg-indigo-50 text-indigo-700' : 'text-slate-700 hover:bg-slate-100 hover:text-slate-900',
              )
            }
          >
            {item.label}
          </NavLink>
        </li>
      ))}
      <li>
        <NavLink
          to="/account"
          onClick={onNavigate}
          className={({ isActive }) =>
            cn(linkClass, isActive ? 'bg-indigo-50 text-indigo-700' : 'text-slate-700 hover:bg-slate-100 hover:text-slate-900')
          }
        >
          Your account
        </NavLink>
      </li>
      <li>
        <a href="/api/docs" className={cn(linkClass, 'text-slate-700 hover:bg-slate-100 hover:text-slate-900')}>
          API reference
        </a>
      </li>
    </ul>
  );
}

function Brand() {
  return (
    <span className="flex items-center gap-2">
      <img src="/favicon.svg" alt="" className="size-7" />
      <span className="text-base font-semibold tracking-tight text-slate-900">Sentia</span>
    </span>
  );
}

function UserBadge({ me }: { me: Me }) {
  return (
    <span className="flex min-w-0 items-center gap-2 text-sm">
      <span className="truncate font-medium text-slate-900">{me.name}</span>
      <span className="rounded-full bg-slate-100 px-2 py-0.5 text-xs font-medium text-slate-700">
        <span className="sr-only">Role: </span>
        {ROLE_LABELS[me.role]}
      </span>
    </span>
  );
}

export function AppShell({ me, children }: { me: Me; children: ReactNode }) {
  const [menuOpen, setMenuOpen] = useState(false);
  const logout = useLogout();
  const navigate = useNavigate();

  const signOut = () => {
    logout.mutate(undefined, {
      onSettled: () => {
        void navigate('/login', { replace: true });
      },
    });
  };

  return (
    <div className="min-h-dvh lg:flex">
      <a
        href="#main"
        className="sr-only focus:not-sr-only focus:fixed focus:top-2 focus:left-2 focus:z-50 focus:rounded-md focus:bg-white focus:px-3 focus:py-2 focus:shadow"
      >
        Skip to content
      </a>

      <aside className="hidden shrink-0 border-r border-slate-200 bg-white lg:flex lg:w-60 lg:flex-col">
        <div className="flex h-16 items-center px-5">
          <Brand />
        </div>
        <nav aria-label="Main" className="flex-1 px-3 py-4">
          <NavLinks me={me} />
        </nav>
      </aside>

      <div className="flex min-w-0 flex-1 flex-col">
        <header className="sticky top-0 z-20 border-b border-slate-200 bg-white/95 backdrop-blur">
          <div className="flex h-16 items-center justify-between gap-4 px-4 sm:px-6 lg:px-8">
            <div className="flex items-center gap-3 lg:hidden">
              <Brand />
            </div>
            <div className="hidden lg:block">{hasPermission(me, 'dashboard:read') ? <LiveStatus /> : null}</div>
            <div className="hidden items-center gap-4 lg:flex">
              <UserBadge me={me} />
              <Button size="sm" onClick={signOut} disabled={logout.isPending}>
                Sign out
              </Button>
            </div>
            <Button
              size="sm"
              variant="ghost"
              className="lg:hidden"
              aria-expanded={menuOpen}
              aria-controls="mobile-menu"
              onClick={() => {
                setMenuOpen((open) => !open);
              }}
            >
              <svg aria-hidden="true" viewBox="0 0 20 20" className="size-5 fill-current">
                {menuOpen ? (
                  <path d="M5.28 4.22a.75.75 0 0 0-1.06 1.06L8.94 10l-4.72 4.72a.75.75 0 1 0 1.06 1.06L10 11.06l4.72 4.72a.75.75 0 1 0 1.06-1.06L11.06 10l4.72-4.72a.75.75 0 0 0-1.06-1.06L10 8.94 5.28 4.22Z" />
                ) : (
                  <path d="M2.75 5.5a.75.75 0 0 1 .75-.75h13a.75.75 0 0 1 0 1.5h-13a.75.75 0 0 1-.75-.75Zm0 4.5a.75.75 0 0 1 .75-.75h13a.75.75 0 0 1 0 1.5h-13a.75.75 0 0 1-.75-.75Zm.75 3.75a.75.75 0 0 0 0 1.5h13a.75.75 0 0 0 0-1.5h-13Z" />
                )}
              </svg>
              Menu
            </Button>
          </div>
          <div id="mobile-menu" hidden={!menuOpen} className="border-t border-slate-200 px-4 pt-3 pb-4 lg:hidden">
            <nav aria-label="Main">
              <NavLinks
                me={me}
                onNavigate={() => {
                  setMenuOpen(false);
                }}
              />
            </nav>
            <div className="mt-4 flex items-center justify-between gap-3 border-t border-slate-200 pt-4">
              <UserBadge me={me} />
              <Button size="sm" onClick={signOut} disabled={logout.isPending}>
                Sign out
              </Button>
            </div>
          </div>
        </header>

        <main id="main" tabIndex={-1} className="mx-auto w-full max-w-screen-2xl flex-1 px-4 py-6 focus:outline-none sm:px-6 lg:px-8 lg:py-8">
          {children}
        </main>
      </div>
    </div>
  );
}
