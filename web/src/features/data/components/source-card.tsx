import { useId, useState } from 'react';
import { asApiError } from '@/api/errors';
import { useReconcileSource, useSyncSource, type Source } from '@/features/data/api/data-queries';
import { ReconciliationTable } from '@/features/data/components/reconciliation-table';
import { SourceForm } from '@/features/data/components/source-form';
import {
  formatClock,
  formatInterval,
  formatRelative,
  freshnessAt,
  FRESHNESS_LABEL,
  type Freshness,
} from '@/features/data/lib/freshness';
import { Button } from '@/shared/components/button';
import { cn } from '@/shared/lib/cn';
import { formatCount } from '@/shared/lib/format';

const KINDS: Record<string, { name: string; letter: string; style: string }> = {
  shopify: { name: 'Shopify', letter: 'S', style: 'bg-emerald-100 text-emerald-800' },
  amazon: { name: 'Amazon', letter: 'A', style: 'bg-amber-100 text-amber-900' },
  unleashed: { name: 'Unleashed', letter: 'U', style: 'bg-sky-100 text-sky-800' },
  xero: { name: 'Xero', letter: 'X', style: 'bg-indigo-100 text-indigo-800' },
};

const STATUS: Record<string, { label: string; style: string }> = {
  not_connected: { label: 'Not connected', style: 'bg-slate-100 text-slate-700' },
  disabled: { label: 'Schedule off', style: 'bg-slate-100 text-slate-700' },
  ok: { label: 'OK', style: 'bg-emerald-50 text-emerald-700' },
  failing: { label: 'Failing', style: 'bg-red-50 text-red-700' },
  circuit_open: { label: 'Paused after failures', style: 'bg-red-50 text-red-700' },
};

const DOT: Record<Freshness, string> = {
  green: 'bg-emerald-500',
  yellow: 'bg-amber-400',
  red: 'bg-red-500',
  none: 'bg-slate-300',
};

function Fact({ term, children }: { term: string; children: React.ReactNode }) {
  return (
    <div className="min-w-0">
      <dt className="text-xs font-medium text-slate-500">{term}</dt>
      <dd className="mt-0.5 text-sm text-slate-900">{children}</dd>
    </div>
  );
}

function Ago({ iso, nowMs }: { iso: string; nowMs: number }) {
  return (
    <time dateTime={iso} title={new Date(iso).toLocaleString()}>
      {formatRelative(iso, nowMs)}
    </time>
  );
}

function circuitText(source: Source): string {
  if (source.circuit === 'open') {
    return source.circuit_open_until
      ? `Open: scheduled syncs paused until ${formatClock(source.circuit_open_until)}`
      : 'Open: scheduled syncs paused';
  }
  if (source.circuit === 'half_open') return 'Half open: the next sync is a trial';
  return 'Closed';
}

interface SourceCardProps {
  source: Source;
  /** The current time on the server's clock, in ms. */
  nowMs: number;
  canExecute: boolean;
  canConfigure: boolean;
  onStepUpNeeded: () => void;
}

/** One data source: its state at a glance, sync and reconcile actions, and its connection form. */
export function SourceCard({ source, nowMs, canExecute, canConfigure, onStepUpNeeded }: SourceCardProps) {
  const titleId = useId();
  const formId = useId();
  const reconcileId = useId();
  const sync = useSyncSource(source.code);
  const reconcile = useReconcileSource(source.code);
  const [editing, setEditing] = useState(false);
  // What the source looked like when a job was queued: the job has started once it changes.
  const [syncQueuedAfter, setSyncQueuedAfter] = useState<string | null | undefined>(undefined);
  const [reconcileQueuedAfter, setReconcileQueuedAfter] = useState<string | null | undefined>(undefined);

  const kind = KINDS[source.kind] ?? { name: source.kind, letter: source.kind.charAt(0).toUpperCase(), style: 'bg-slate-100 text-slate-700' };
  const status = STATUS[source.status] ?? { label: source.status, style: 'bg-slate-100 text-slate-700' };
  const connected = source.credentials_set.length > 0;
  const freshness = freshnessAt(source.last_success_at, nowMs);
  const counts = Object.entries(source.record_counts).filter(([, n]) => n > 0);
  const syncQueued = syncQueuedAfter !== undefined && syncQueuedAfter === (source.last_attempt_at ?? null);
  const reconcileQueued = reconcileQueuedAfter !== undefined && reconcileQueuedAfter === (source.reconciled_at ?? null);

  const runSync = (full: boolean) => {
    const before = source.last_attempt_at ?? null;
    sync.mutate(
      { full },
      {
        onSuccess: () => {
          setSyncQueuedAfter(before);
        },
      },
    );
  };
  const runReconcile = () => {
    const before = source.reconciled_at ?? null;
    reconcile.mutate(undefined, {
      onSuccess: () => {
        setReconcileQueuedAfter(before);
      },
    });
  };

  const syncState = source.syncing
    ? 'Syncing…'
    : sync.isPending
      ? 'Queuing a sync…'
      : syncQueued
        ? sync.data?.duplicate
          ? 'A sync is already queued.'
          : 'Sync queued.'
        : null;
  const actionError = sync.error ?? reconcile.error;

  return (
    <article aria-labelledby={titleId} className="rounded-xl border border-slate-200 bg-white p-4 shadow-sm sm:p-5">
      <header className="flex flex-wrap items-start gap-3">
        <span aria-hidden="true" className={cn('flex size-9 shrink-0 items-center justify-center rounded-lg text-sm font-bold', kind.style)}>
          {kind.letter}
        </span>
        <div className="min-w-0 flex-1">
          <h2 id={titleId} className="text-base font-semibold text-slate-900">
            {source.label}
          </h2>
          <p className="text-xs text-slate-500">
            {kind.name} · <span className="font-mono">{source.code}</span>
          </p>
        </div>
        <span data-testid="source-status" className={cn('rounded px-1.5 py-0.5 text-xs font-medium', status.style)}>
          {status.label}
        </span>
        <span className="flex items-center gap-1.5 text-xs font-medium text-slate-600" data-testid="source-freshness" data-freshness={freshness}>
          <span aria-hidden="true" className={cn('size-2.5 rounded-full', DOT[freshness])} />
          {FRESHNESS_LABEL[freshness]}
        </span>
      </header>

      <dl className="mt-4 grid gap-x-4 gap-y-3 sm:grid-cols-2 lg:grid-cols-4">
        <Fact term="Last synced">
          {source.last_success_at ? <Ago iso={source.last_success_at} nowMs={nowMs} /> : 'Never'}
        </Fact>
        <Fact term="Next sync">
          {source.next_sync_at ? (
            <>
              <Ago iso={source.next_sync_at} nowMs={nowMs} />{' '}
              <span className="text-xs text-slate-500">({formatInterval(source.sync_every_secs)})</span>
            </>
          ) : connected ? (
            'Not scheduled'
          ) : (
            'Not connected'
          )}
        </Fact>
        <Fact term="Records stored">
          {counts.length === 0 ? (
            'None yet'
          ) : (
            <ul>
              {counts.map(([name, n]) => (
                <li key={name}>
                  <span className="tabular-nums">{formatCount(n)}</span> {name}
                </li>
              ))}
            </ul>
          )}
          {source.last_success_at ? (
            <span className="block text-xs text-slate-500">
              Last sync stored {formatCount(source.last_sync_records)}
            </span>
          ) : null}
        </Fact>
        <Fact term="Circuit">
          <span data-testid="source-circuit">{circuitText(source)}</span>
          {source.consecutive_failures > 0 ? (
            <span className="block text-xs text-red-700">
              {source.consecutive_failures} failed {source.consecutive_failures === 1 ? 'sync' : 'syncs'} in a row
            </span>
          ) : null}
        </Fact>
      </dl>

      {source.last_error ? (
        <details className="mt-3 rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm">
          <summary className="cursor-pointer font-medium text-red-800">
            Last error
            {source.last_error_at ? (
              <>
                {' '}
                · <Ago iso={source.last_error_at} nowMs={nowMs} />
              </>
            ) : null}
          </summary>
          <p data-testid="source-last-error" className="mt-1 font-mono text-xs break-words whitespace-pre-wrap text-red-700">
            {source.last_error}
          </p>
        </details>
      ) : null}

      <div className="mt-4 flex flex-wrap items-center gap-2">
        {canExecute ? (
          <>
            <Button
              variant="primary"
              size="sm"
              disabled={!connected || sync.isPending}
              title={connected ? undefined : 'Connect the source first'}
              onClick={() => { runSync(false); }}
            >
              Sync now
            </Button>
            <Button size="sm" disabled={!connected || sync.isPending} onClick={() => { runSync(true); }}>
              Full sync
            </Button>
            <Button
              size="sm"
              disabled={!connected || reconcile.isPending}
              aria-describedby={source.reconciliation ? reconcileId : undefined}
              onClick={runReconcile}
            >
              Reconcile
            </Button>
          </>
        ) : null}
        {canConfigure ? (
          <Button
            size="sm"
            variant="ghost"
            aria-expanded={editing}
            aria-controls={editing ? formId : undefined}
            onClick={() => { setEditing((e) => !e); }}
          >
            {editing ? 'Close' : connected ? 'Edit connection' : 'Connect'}
          </Button>
        ) : null}
        <p role="status" className="text-sm text-slate-600">
          {syncState}
          {reconcile.isPending ? ' Queuing a reconciliation…' : reconcileQueued ? ' Reconciliation queued.' : null}
        </p>
      </div>
      {actionError ? (
        <p role="alert" className="mt-2 text-sm text-red-700">
          {asApiError(actionError).message}
        </p>
      ) : null}

      {source.reconciliation ? (
        <section aria-labelledby={reconcileId} className="mt-4">
          <h3 id={reconcileId} className="mb-2 text-sm font-semibold text-slate-900">
            Reconciliation
            {source.reconciled_at ? (
              <span className="font-normal text-slate-500">
                {' '}
                · <Ago iso={source.reconciled_at} nowMs={nowMs} />
              </span>
            ) : null}
          </h3>
          <ReconciliationTable label={source.label} rows={source.reconciliation} />
        </section>
      ) : null}

      {canConfigure && editing ? (
        <div id={formId} className="mt-4 border-t border-slate-200 pt-4">
          <SourceForm source={source} onStepUpNeeded={onStepUpNeeded} />
        </div>
      ) : null}
    </article>
  );
}
