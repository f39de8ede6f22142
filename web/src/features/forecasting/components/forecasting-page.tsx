import { useQuery } from '@tanstack/react-query';
import { useId, useMemo } from 'react';
import { useSearchParams } from 'react-router';
import {
  exportUrl,
  seriesDetailQuery,
  seriesListQuery,
  useStartRun,
  type SeriesDetail,
  type SeriesList,
} from '@/features/forecasting/api/forecasting-queries';
import { AccuracyPanel } from '@/features/forecasting/components/accuracy-panel';
import { ModelTable } from '@/features/forecasting/components/model-table';
import { OverridesPanel } from '@/features/forecasting/components/overrides-panel';
import { buildDecompositionOption, buildForecastOption, forecastChartLabel } from '@/features/forecasting/lib/forecast-chart';
import { channelLabel, channelOptions, isTotal, seriesLabel, skuLabel, skuOptions } from '@/features/forecasting/lib/series-keys';
import { ErrorAlert } from '@/shared/components/alert';
import { Button, buttonClass } from '@/shared/components/button';
import { EChart } from '@/shared/components/echart';
import { EmptyState } from '@/shared/components/empty-state';
import { PageHeader } from '@/shared/components/page-header';
import { Panel } from '@/shared/components/panel';
import { LoadingRegion, Skeleton } from '@/shared/components/skeleton';

interface ForecastingPageProps {
  /** The user may start forecast runs. */
  canRun: boolean;
  /** The user may override forecasts. */
  canOverride: boolean;
  /** Forecast CSV export is switched on for the user. */
  canExport?: boolean;
}

const select = 'h-9 rounded-md border-0 bg-white py-0 pr-8 pl-2.5 text-sm shadow-sm ring-1 ring-inset ring-slate-300';

function RunStatus({ list }: { list: SeriesList }) {
  const run = list.latest_run;
  if (!run) return <p className="text-sm text-slate-500">No forecast run yet.</p>;
  const seconds = run.duration_ms === null || run.duration_ms === undefined ? '' : ` in ${(run.duration_ms / 1000).toFixed(1)} s`;
  return (
    <p className="text-sm text-slate-500" data-testid="run-status">
      Run {run.id}: {run.state}
      {run.state === 'succeeded' ? ` (${String(run.series_count)} series${seconds})` : ''}
      {run.error ? ` — ${run.error}` : ''}
    </p>
  );
}

function WeightsPanel({ detail }: { detail: SeriesDetail }) {
  const titleId = useId();
  return (
    <Panel title="Chosen weights" titleId={titleId} description={detail.weight_reason ?? 'No forecast yet.'}>
      {detail.weights.length === 0 ? (
        <EmptyState title="No weighted models" />
      ) : (
        <ul className="space-y-2" aria-label="Model weights">
          {detail.weights.map((w) => (
            <li key={w.model} className="flex items-center gap-3 text-sm">
              <span className="w-16 font-mono text-xs font-semibold text-slate-900">{w.model}</span>
              <span className="h-2.5 flex-1 overflow-hidden rounded bg-slate-100">
                <span className="block h-full bg-indigo-500" style={{ width: `${String(Math.round(w.weight * 100))}%` }} />
              </span>
              <span className="w-12 text-right tabular-nums text-slate-700">{Math.round(w.weight * 100)}%</span>
            </li>
          ))}
        </ul>
      )}
    </Panel>
  );
}

interface Reconciliation {
  method?: string;
  shrinkage?: number | null;
  residuals?: number;
  clipped_at_zero?: boolean;
  fallbacks?: string[];
  base_point?: number[];
}

const methodNames: Record<string, string> = {
  mint_shrink: 'MinT with a shrunk error covariance',
  wls_var: 'weighted least squares (error variances)',
  ols: 'ordinary least squares',
  bottom_up: 'bottom-up sums',
  none: 'not reconciled',
};

/** How a total was made to equal the sum of its series. */
function ReconciliationPanel({ detail }: { detail: SeriesDetail }) {
  const titleId = useId();
  const params = detail.parameters as { reconciliation?: Reconciliation } | null;
  const r = params?.reconciliation;
  const base = r?.base_point ?? [];
  const rows = detail.forecast.map((p, k) => ({ ...p, base: base[k] }));
  return (
    <Panel
      title="Reconciliation"
      titleId={titleId}
      description="A total is forecast on its own and then reconciled with every other total and series, so that each total equals the sum of its series week by week. Override its series to change it."
    >
      {r ? (
        <div className="space-y-3 text-sm text-slate-700">
          <p data-testid="reconciliation-method">
            Method: {methodNames[r.method ?? 'none'] ?? r.method}
            {r.shrinkage !== null && r.shrinkage !== undefined ? `, shrinkage ${r.shrinkage.toFixed(2)}` : ''}
            {r.residuals !== undefined ? `, from ${String(r.residuals)} backtest errors per series` : ''}
            {r.clipped_at_zero ? '; series reconciled below zero were set to zero and the totals summed again' : ''}.
          </p>
          {r.fallbacks && r.fallbacks.length > 0 ? <p>Fallbacks: {r.fallbacks.join('; ')}</p> : null}
          <table className="min-w-full text-sm" aria-label="Base and reconciled forecast">
            <thead>
              <tr>
                <th className="px-3 py-2 text-left text-xs font-semibold uppercase text-slate-500">Week</th>
                <th className="px-3 py-2 text-right text-xs font-semibold uppercase text-slate-500">Own forecast</th>
                <th className="px-3 py-2 text-right text-xs font-semibold uppercase text-slate-500">Reconciled</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((p) => (
                <tr key={p.period_start} className="border-t border-slate-100">
                  <td className="px-3 py-1.5">{p.period_start}</td>
                  <td className="px-3 py-1.5 text-right tabular-nums">{p.base === undefined ? '—' : p.base.toFixed(1)}</td>
                  <td className="px-3 py-1.5 text-right tabular-nums">{p.point.toFixed(1)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <EmptyState title="Not reconciled yet">The next forecast run reconciles the totals.</EmptyState>
      )}
    </Panel>
  );
}

function SeriesPanels({ detail, canOverride }: { detail: SeriesDetail; canOverride: boolean }) {
  const chartId = useId();
  const modelsId = useId();
  const decompId = useId();
  const forecastOption = useMemo(() => buildForecastOption(detail), [detail]);
  const decompOption = useMemo(() => buildDecompositionOption(detail), [detail]);
  return (
    <div className="space-y-6">
      <Panel
        title="History and forecast"
        titleId={chartId}
        description={`Weekly units; red triangles mark weeks with a stockout (demand was higher than sales). ${detail.model ? `Model: ${detail.model}, ${detail.engine_version ?? ''}, forecast from the week of ${detail.origin_date ?? ''}.` : ''}`}
      >
        <EChart option={forecastOption} ariaLabel={forecastChartLabel(detail)} className="h-80" />
      </Panel>
      <div className="grid gap-6 lg:grid-cols-3">
        <Panel
          className="lg:col-span-2"
          title="Model comparison"
          titleId={modelsId}
          description="Rolling-origin backtest, 13 weeks ahead; interval coverage is scored out of sample."
        >
          {detail.models.length === 0 ? <EmptyState title="No backtest yet" /> : <ModelTable models={detail.models} />}
        </Panel>
        <WeightsPanel detail={detail} />
      </div>
      <Panel title="Decomposition" titleId={decompId} description={detail.decomposition.method}>
        <EChart option={decompOption} ariaLabel={`Trend, seasonal and remainder of ${seriesLabel(detail.sku, detail.channel)}`} className="h-64" />
      </Panel>
      <AccuracyPanel points={detail.accuracy} />
      {isTotal(detail.sku, detail.channel) ? (
        <ReconciliationPanel detail={detail} />
      ) : (
        <OverridesPanel detail={detail} canOverride={canOverride} />
      )}
    </div>
  );
}

export function ForecastingPage({ canRun, canOverride, canExport = true }: ForecastingPageProps) {
  const skuId = useId();
  const channelId = useId();
  const [params, setParams] = useSearchParams();
  const list = useQuery(seriesListQuery);
  const startRun = useStartRun();
  const skus = list.data ? skuOptions(list.data) : [];
  const firstSku = skus.find((s) => s !== '*') ?? '';
  const sku = params.get('sku') ?? firstSku;
  const channels = list.data ? channelOptions(list.data, sku) : [];
  const wanted = params.get('channel');
  // A channel that does not exist beside this SKU (a region for one SKU) falls back.
  const channel = wanted !== null && channels.includes(wanted) ? wanted : (channels[0] ?? '');
  const detail = useQuery({ ...seriesDetailQuery(sku, channel), enabled: sku !== '' && channel !== '' });

  function choose(key: 'sku' | 'channel', value: string) {
    const next = new URLSearchParams(params);
    next.set('sku', key === 'sku' ? value : sku);
    next.set('channel', key === 'channel' ? value : channel);
    setParams(next);
  }

  let body;
  if (list.error) {
    body = <ErrorAlert title="Could not load the forecast series" error={list.error} onRetry={() => {
          void list.refetch();
        }} />;
  } else if (detail.error) {
    body = <ErrorAlert title="Could not load the series" error={detail.error} onRetry={() => {
          void detail.refetch();
        }} />;
  } else if (!detail.data) {
    body = (
      <LoadingRegion label="Loading forecast">
        <Skeleton className="h-80 w-full" />
      </LoadingRegion>
    );
  } else {
    body = <SeriesPanels detail={detail.data} canOverride={canOverride} />;
  }

  return (
    <>
      <PageHeader
        title="Forecasting"
        description={list.data ? <RunStatus list={list.data} /> : 'Weekly demand forecast per SKU and channel, and their totals.'}
      >
        <div>
          <label htmlFor={skuId} className="mb-1 block text-sm text-slate-600">
            SKU
          </label>
          <select id={skuId} className={select} value={sku} onChange={(e) => { choose('sku', e.target.value); }}>
            {skus.map((s) => (
              <option key={s} value={s}>
                {skuLabel(s)}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor={channelId} className="mb-1 block text-sm text-slate-600">
            Channel
          </label>
          <select id={channelId} className={select} value={channel} onChange={(e) => { choose('channel', e.target.value); }}>
            {channels.map((c) => (
              <option key={c} value={c}>
                {channelLabel(c)}
              </option>
            ))}
          </select>
        </div>
        {sku && channel && canExport ? (
          <a href={exportUrl(sku, channel)} download className={buttonClass('secondary', 'md')}>
            Export CSV
          </a>
        ) : null}
        {canRun ? (
          <Button
            variant="primary"
            disabled={startRun.isPending || list.data?.latest_run?.state === 'running'}
            onClick={() => {
              startRun.mutate();
            }}
          >
            Run forecast
          </Button>
        ) : null}
      </PageHeader>
      {startRun.error ? <ErrorAlert title="Could not start a forecast run" error={startRun.error} /> : null}
      {list.data && list.data.series.length === 0 ? <EmptyState title="No demand history yet" /> : body}
    </>
  );
}
