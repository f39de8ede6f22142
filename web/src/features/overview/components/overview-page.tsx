import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useSearchParams } from 'react-router';
import {
  kpiOverviewQuery,
  salesSummaryQuery,
  type OverviewFilters as Filters,
  type SummaryGroup,
} from '@/features/overview/api/overview-queries';
import { BreakdownPanel } from '@/features/overview/components/breakdown-panel';
import { DrillBreadcrumbs } from '@/features/overview/components/drill-breadcrumbs';
import { KpiGrid } from '@/features/overview/components/kpi-grid';
import { OverviewFilters } from '@/features/overview/components/overview-filters';
import { TimeSeriesPanel } from '@/features/overview/components/time-series-panel';
import { todayUtcIso } from '@/features/overview/lib/dates';
import { buildOverviewCsv } from '@/features/overview/lib/overview-csv';
import {
  autoGranularity,
  breadcrumbs,
  drillLevel,
  drillReducer,
  groupByFor,
  isValidRange,
  parseOverviewState,
  resolveRange,
  toSearchParams,
  type DrillAction,
  type DrillState,
  type OverviewState,
} from '@/features/overview/lib/overview-state';
import { Alert } from '@/shared/components/alert';
import { Button } from '@/shared/components/button';
import { PageHeader } from '@/shared/components/page-header';
import { downloadText } from '@/shared/lib/download';
import { formatIsoDate } from '@/shared/lib/format';

const KEY_HEADINGS = ['Region', 'Channel', 'SKU', 'SKU'] as const;

function breakdownTitle(drill: DrillState): string {
  switch (drillLevel(drill)) {
    case 0:
      return 'Revenue by region';
    case 1:
      return `Channels in ${drill.region ?? ''}`;
    case 2:
      return `SKUs in ${drill.channel ?? ''}`;
    case 3:
      return `${drill.sku ?? ''} in ${drill.channel ?? ''}`;
  }
}

function scopeLabel(drill: DrillState): string {
  return [drill.region ?? 'All regions', drill.channel, drill.sku].filter(Boolean).join(' › ');
}

export function OverviewPage() {
  const [searchParams, setSearchParams] = useSearchParams();
  const [today] = useState(todayUtcIso);
  const state = parseOverviewState(searchParams);
  const range = resolveRange(state, today);
  const rangeValid = isValidRange(range);
  const auto = autoGranularity(rangeValid ? range : { from: today, to: today });
  const granularity = state.granularity ?? auto;
  const groupBy = groupByFor(state.drill);
  const level = drillLevel(state.drill);
  const filters: Filters = { from: range.from, to: range.to, currency: state.currency, drill: state.drill };

  const kpis = useQuery(kpiOverviewQuery(filters, rangeValid));
  const series = useQuery(salesSummaryQuery(filters, granularity, 'none', rangeValid));
  const breakdown = useQuery(salesSummaryQuery(filters, granularity, groupBy, rangeValid));

  const update = (next: OverviewState) => {
    setSearchParams(toSearchParams(next));
  };
  const dispatchDrill = (action: DrillAction) => {
    update({ ...state, drill: drillReducer(state.drill, action) });
  };
  const hrefForLevel = (target: 0 | 1 | 2 | 3) => {
    const params = toSearchParams({ ...state, drill: drillReducer(state.drill, { type: 'up', level: target }) });
    const search = params.toString();
    return search ? `?${search}` : '?';
  };

  // An empty selection has no series at all: show the empty state, not a skeleton.
  const points = series.data ? (series.data.series[0]?.points ?? []) : undefined;
  // With group_by=none the API returns one group keyed "all": show it under the SKU's code.
  // Only that group: while the SKU's figures load, the previous level's groups are still shown
  // (placeholder data) and keep their own keys.
  const groups: SummaryGroup[] | undefined =
    level === 3 && state.drill.sku
      ? breakdown.data?.groups.map((group) =>
          group.key === 'all' ? { ...group, key: state.drill.sku ?? group.key } : group,
        )
      : breakdown.data?.groups;
  const title = breakdownTitle(state.drill);

  const exportCsv = () => {
    if (!groups || !points) return;
    const csv = buildOverviewCsv({
      from: range.from,
      to: range.to,
      currency: state.currency,
      filters: scopeLabel(state.drill),
      breakdownTitle: title,
      groups,
      granularity,
      points,
    });
    downloadText(csv, `sentia-overview-${range.from}-to-${range.to}.csv`);
  };

  const kpiData = kpis.data;
  const description = kpiData
    ? `${formatIsoDate(kpiData.from)} – ${formatIsoDate(kpiData.to)}, compared with ${formatIsoDate(kpiData.previous_from)} – ${formatIsoDate(kpiData.previous_to)}. Data through ${formatIsoDate(kpiData.data_through)}.`
    : `${formatIsoDate(range.from)} – ${formatIsoDate(range.to)}`;

  return (
    <>
      <PageHeader title="Executive overview" description={description}>
        <Button onClick={exportCsv} disabled={!groups || !points}>
          <svg aria-hidden="true" viewBox="0 0 20 20" className="size-4 fill-current">
            <path d="M10 2.5a.75.75 0 0 1 .75.75v7.19l2.22-2.22a.75.75 0 1 1 1.06 1.06l-3.5 3.5a.75.75 0 0 1-1.06 0l-3.5-3.5a.75.75 0 1 1 1.06-1.06l2.22 2.22V3.25A.75.75 0 0 1 10 2.5ZM3.5 13.75a.75.75 0 0 1 .75.75v.75c0 .41.34.75.75.75h10a.75.75 0 0 0 .75-.75v-.75a.75.75 0 0 1 1.5 0v.75A2.25 2.25 0 0 1 15 17.5H5a2.25 2.25 0 0 1-2.25-2.25v-.75a.75.75 0 0 1 .75-.75Z" />
          </svg>
          Export CSV
        </Button>
      </PageHeader>

      <div className="space-y-6">
        <div className="flex flex-col gap-4 rounded-xl border border-slate-200 bg-white p-4 shadow-sm">
          <OverviewFilters
            range={state.range}
            resolved={range}
            currency={state.currency}
            onRangeChange={(preset) => {
              update(
                preset === 'custom'
                  ? { ...state, range: preset, customFrom: range.from, customTo: range.to }
                  : { ...state, range: preset },
              );
            }}
            onCustomChange={(custom) => {
              update({ ...state, range: 'custom', customFrom: custom.from, customTo: custom.to });
            }}
            onCurrencyChange={(currency) => {
              update({ ...state, currency });
            }}
          />
          <DrillBreadcrumbs crumbs={breadcrumbs(state.drill)} hrefFor={hrefForLevel} />
        </div>

        {rangeValid ? null : (
          <Alert title="Invalid date range">The start date must be on or before the end date.</Alert>
        )}

        <KpiGrid
          data={kpiData}
          error={kpis.error}
          isPending={kpis.isPending}
          onRetry={() => {
            void kpis.refetch();
          }}
        />

        <TimeSeriesPanel
          points={points}
          currency={state.currency}
          granularity={granularity}
          autoGranularity={auto}
          granularityOverride={state.granularity}
          onGranularityChange={(value) => {
            const next: OverviewState = { ...state };
            if (value) next.granularity = value;
            else delete next.granularity;
            update(next);
          }}
          scopeLabel={scopeLabel(state.drill)}
          error={series.error}
          isPending={series.isPending}
          isFetching={series.isFetching}
          onRetry={() => {
            void series.refetch();
          }}
        />

        <BreakdownPanel
          title={title}
          keyHeading={KEY_HEADINGS[level]}
          groups={groups}
          currency={state.currency}
          onDrill={
            level < 3
              ? (key) => {
                  dispatchDrill({ type: 'drill', key });
                }
              : undefined
          }
          error={breakdown.error}
          isPending={breakdown.isPending}
          isFetching={breakdown.isFetching}
          onRetry={() => {
            void breakdown.refetch();
          }}
        />
      </div>
    </>
  );
}
