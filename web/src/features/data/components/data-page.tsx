import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { sourcesQuery } from '@/features/data/api/data-queries';
import { SourceCard } from '@/features/data/components/source-card';
import { clockOffsetMs } from '@/features/data/lib/freshness';
import { useNow } from '@/features/data/lib/use-now';
import { ErrorAlert } from '@/shared/components/alert';
import { buttonClass } from '@/shared/components/button';
import { EmptyState } from '@/shared/components/empty-state';
import { PageHeader } from '@/shared/components/page-header';
import { LoadingRegion, Skeleton } from '@/shared/components/skeleton';

interface DataPageProps {
  /** May run syncs, reconciliations and imports (`data:execute`). */
  canExecute: boolean;
  /** May change connections (`data:configure`, with two-factor sign-in). */
  canConfigure: boolean;
  /** Shown above the sources, e.g. why connections cannot be changed yet. */
  notice?: ReactNode;
  /** Called when the server asks for a fresh second-factor check. */
  onStepUpNeeded: () => void;
}

/** The data sources: how fresh each one is, its sync state and errors, and its connection. */
export function DataPage({ canExecute, canConfigure, notice, onStepUpNeeded }: DataPageProps) {
  const sources = useQuery(sourcesQuery);
  const now = useNow();
  // Ages count on the server's clock; `now` in the response says how far it is from ours.
  const offset = sources.data ? clockOffsetMs(sources.data.now, sources.dataUpdatedAt) : 0;

  return (
    <>
      <PageHeader
        title="Data"
        description="Where Sentia's data comes from: each source's freshness, syncs, errors and connection. Updates live."
      >
        {canExecute ? (
          <Link to="/data/import" className={buttonClass('secondary')}>
            Import a file
          </Link>
        ) : null}
      </PageHeader>
      {notice}
      {sources.error ? (
        <ErrorAlert title="Could not load the data sources" error={sources.error} onRetry={() => void sources.refetch()} />
      ) : sources.isPending ? (
        <LoadingRegion label="Loading data sources">
          <div className="space-y-4">
            <Skeleton className="h-40 w-full" />
            <Skeleton className="h-40 w-full" />
          </div>
        </LoadingRegion>
      ) : sources.data.sources.length === 0 ? (
        <EmptyState title="No data sources">
          <p>This instance has no sources set up. Import a file to bring data in.</p>
        </EmptyState>
      ) : (
        <div className="space-y-4">
          {sources.data.sources.map((source) => (
            <SourceCard
              key={source.code}
              source={source}
              nowMs={Math.max(now, sources.dataUpdatedAt) + offset}
              canExecute={canExecute}
              canConfigure={canConfigure}
              onStepUpNeeded={onStepUpNeeded}
            />
          ))}
        </div>
      )}
    </>
  );
}
