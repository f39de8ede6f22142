import type { Kpi } from '@/features/overview/api/overview-queries';
import { cn } from '@/shared/lib/cn';
import { formatKpiDisplay, formatSignedPercent, formatSignedPoints, type CurrencyCode } from '@/shared/lib/format';

type Direction = 'up' | 'down' | 'flat';

export function changeDirection(changePct: number): Direction {
  // Treat anything that rounds to 0.0 % as no change.
  if (Math.abs(changePct) < 0.05) return 'flat';
  return changePct > 0 ? 'up' : 'down';
}

export function isFavourable(direction: Direction, betterWhen: Kpi['better_when']): boolean | null {
  if (direction === 'flat') return null;
  return betterWhen === 'higher' ? direction === 'up' : direction === 'down';
}

const ARROWS: Record<Direction, string> = { up: '▲', down: '▼', flat: '▶' };
const WORDS: Record<Direction, string> = { up: 'Up', down: 'Down', flat: 'No change' };

function KpiChange({ kpi }: { kpi: Kpi }) {
  // Percentages change in percentage points; everything else relatively.
  const points = kpi.unit === 'percent';
  const change = (points ? kpi.change_points : kpi.change_pct) ?? null;
  if (change === null) {
    return <p className="text-xs text-slate-500">No previous period to compare</p>;
  }
  const direction = changeDirection(change);
  const favourable = isFavourable(direction, kpi.better_when);
  const tone =
    favourable === null
      ? 'bg-slate-100 text-slate-700'
      : favourable
        ? 'bg-emerald-50 text-emerald-800'
        : 'bg-red-50 text-red-800';
  const verdict = favourable === null ? '' : favourable ? ' (favourable)' : ' (unfavourable)';
  return (
    <p className="flex flex-wrap items-center gap-x-2 gap-y-1 text-xs">
      <span
        data-testid={`kpi-${kpi.id}-change`}
        className={cn('inline-flex items-center gap-1 rounded-full px-2 py-0.5 font-semibold', tone)}
      >
        <span aria-hidden="true" className="text-[0.65rem]">
          {ARROWS[direction]}
        </span>
        <span className="sr-only">{WORDS[direction]}</span>
        {points ? formatSignedPoints(change) : formatSignedPercent(change)}
        <span className="sr-only">{verdict}</span>
      </span>
      <span className="text-slate-500">vs previous period</span>
    </p>
  );
}

interface KpiCardProps {
  kpi: Kpi;
  currency: CurrencyCode;
}

export function KpiCard({ kpi, currency }: KpiCardProps) {
  const headingId = `kpi-${kpi.id}-label`;
  return (
    <article
      data-testid={`kpi-${kpi.id}`}
      aria-labelledby={headingId}
      className="flex min-w-0 flex-col gap-2 rounded-xl border border-slate-200 bg-white p-3 shadow-sm sm:p-4"
    >
      <h3 id={headingId} className="text-sm font-medium text-slate-500">
        {kpi.label}
      </h3>
      <p data-testid={`kpi-${kpi.id}-value`} className="text-xl font-semibold tracking-tight [overflow-wrap:anywhere] text-slate-900 tabular-nums sm:text-2xl xl:text-xl 2xl:text-2xl">
        {formatKpiDisplay(kpi.value, kpi.unit, currency)}
      </p>
      <KpiChange kpi={kpi} />
      {kpi.previous !== null && kpi.previous !== undefined ? (
        <p className="text-xs text-slate-500">
          Previous: <span className="tabular-nums">{formatKpiDisplay(kpi.previous, kpi.unit, currency)}</span>
        </p>
      ) : null}
    </article>
  );
}
