import type { KpiOverview } from '@/features/overview/api/overview-queries';
import { KpiCard } from '@/features/overview/components/kpi-card';
import { ErrorAlert } from '@/shared/components/alert';
import { EmptyState } from '@/shared/components/empty-state';
import { LoadingRegion, Skeleton } from '@/shared/components/skeleton';

interface KpiGridProps {
  data: KpiOverview | undefined;
  error: unknown;
  isPending: boolean;
  onRetry: () => void;
}

const gridClass = 'grid grid-cols-2 gap-3 sm:gap-4 lg:grid-cols-3 xl:grid-cols-5';

export function KpiGrid({ data, error, isPending, onRetry }: KpiGridProps) {
  if (error && !data) return <ErrorAlert title="Could not load KPIs" error={error} onRetry={onRetry} />;
  if (isPending || !data) {
    return (
      <LoadingRegion label="Loading KPIs">
        <div className={gridClass}>
          {Array.from({ length: 5 }, (_, index) => (
            <div key={index} className="rounded-xl border border-slate-200 bg-white p-4 shadow-sm">
              <Skeleton className="h-4 w-24" />
              <Skeleton className="mt-3 h-7 w-32" />
              <Skeleton className="mt-3 h-4 w-40" />
            </div>
          ))}
        </div>
      </LoadingRegion>
    );
  }
  if (data.kpis.length === 0) return <EmptyState title="No KPIs for this selection" />;
  return (
    <section aria-label="Key performance indicators">
      <div className={gridClass}>
        {data.kpis.map((kpi) => (
          <KpiCard key={kpi.id} kpi={kpi} currency={data.currency} />
        ))}
      </div>
    </section>
  );
}
