import { Link } from 'react-router';
import type { Crumb, DrillLevel } from '@/features/overview/lib/overview-state';

interface DrillBreadcrumbsProps {
  crumbs: Crumb[];
  /** URL (search string) that shows the given level. */
  hrefFor: (level: DrillLevel) => string;
}

export function DrillBreadcrumbs({ crumbs, hrefFor }: DrillBreadcrumbsProps) {
  return (
    <nav aria-label="Breadcrumb">
      <ol className="flex flex-wrap items-center gap-1 text-sm">
        {crumbs.map((crumb, index) => {
          const last = index === crumbs.length - 1;
          return (
            <li key={crumb.level} className="flex items-center gap-1">
              {index > 0 ? (
                <span aria-hidden="true" className="px-0.5 text-slate-400">
                  ›
                </span>
              ) : null}
              {last ? (
                <span aria-current="page" className="rounded px-1.5 py-0.5 font-semibold text-slate-900">
                  {crumb.label}
                </span>
              ) : (
                <Link
                  to={hrefFor(crumb.level)}
                  className="rounded px-1.5 py-0.5 font-medium text-indigo-700 underline-offset-2 hover:bg-indigo-50 hover:underline"
                >
                  {crumb.label}
                </Link>
              )}
            </li>
          );
        })}
      </ol>
    </nav>
  );
}
