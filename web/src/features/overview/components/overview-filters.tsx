import { useId } from 'react';
import {
  CURRENCIES,
  RANGE_PRESETS,
  type DateRange,
  type RangePreset,
} from '@/features/overview/lib/overview-state';
import type { CurrencyCode } from '@/shared/lib/format';

interface OverviewFiltersProps {
  range: RangePreset;
  resolved: DateRange;
  currency: CurrencyCode;
  onRangeChange: (range: RangePreset) => void;
  onCustomChange: (range: DateRange) => void;
  onCurrencyChange: (currency: CurrencyCode) => void;
}

const labelClass = 'mb-1 block text-xs font-medium text-slate-600';
const controlClass =
  'h-9 rounded-md border-0 bg-white px-2.5 text-sm text-slate-900 shadow-sm ring-1 ring-inset ring-slate-300';

export function OverviewFilters(props: OverviewFiltersProps) {
  const rangeId = useId();
  const fromId = useId();
  const toId = useId();
  const currencyId = useId();
  const { resolved } = props;

  return (
    <div role="group" aria-label="Filters" className="flex flex-wrap items-end gap-3">
      <div>
        <label htmlFor={rangeId} className={labelClass}>
          Date range
        </label>
        <select
          id={rangeId}
          value={props.range}
          onChange={(event) => {
            props.onRangeChange(event.target.value as RangePreset);
          }}
          className={`${controlClass} pr-8`}
        >
          {RANGE_PRESETS.map((preset) => (
            <option key={preset.value} value={preset.value}>
              {preset.label}
            </option>
          ))}
        </select>
      </div>
      <div>
        <label htmlFor={fromId} className={labelClass}>
          From
        </label>
        <input
          id={fromId}
          type="date"
          value={resolved.from}
          max={resolved.to}
          required
          onChange={(event) => {
            if (event.target.value) props.onCustomChange({ from: event.target.value, to: resolved.to });
          }}
          className={controlClass}
        />
      </div>
      <div>
        <label htmlFor={toId} className={labelClass}>
          To
        </label>
        <input
          id={toId}
          type="date"
          value={resolved.to}
          min={resolved.from}
          required
          onChange={(event) => {
            if (event.target.value) props.onCustomChange({ from: resolved.from, to: event.target.value });
          }}
          className={controlClass}
        />
      </div>
      <div>
        <label htmlFor={currencyId} className={labelClass}>
          Currency
        </label>
        <select
          id={currencyId}
          value={props.currency}
          onChange={(event) => {
            props.onCurrencyChange(event.target.value as CurrencyCode);
          }}
          className={`${controlClass} pr-8`}
        >
          {CURRENCIES.map((currency) => (
            <option key={currency} value={currency}>
              {currency}
            </option>
          ))}
        </select>
      </div>
    </div>
  );
}
