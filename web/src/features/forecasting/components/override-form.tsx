import { useId, useState, type SubmitEvent } from 'react';
import type { CreateOverride, SeriesDetail } from '@/features/forecasting/api/forecasting-queries';
import { ErrorAlert } from '@/shared/components/alert';
import { Button } from '@/shared/components/button';

interface OverrideFormProps {
  forecast: SeriesDetail['forecast'];
  onSubmit: (body: CreateOverride) => void;
  isPending: boolean;
  error: unknown;
}

const field = 'h-9 w-full rounded-md border-0 bg-white px-2.5 text-sm shadow-sm ring-1 ring-inset ring-slate-300';

/** Planner override of one forecast week: a value and a mandatory reason. */
export function OverrideForm({ forecast, onSubmit, isPending, error }: OverrideFormProps) {
  const weekId = useId();
  const valueId = useId();
  const reasonId = useId();
  const [week, setWeek] = useState<string>('');
  const [value, setValue] = useState('');
  const [reason, setReason] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const selectedWeek = week || forecast[0]?.period_start || '';

  function submit(event: SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    const number = Number(value);
    if (value.trim() === '' || !Number.isFinite(number) || number < 0) {
      setProblem('Enter the expected units as a number of 0 or more.');
      return;
    }
    if (reason.trim() === '') {
      setProblem('Say why you override the forecast.');
      return;
    }
    setProblem(null);
    onSubmit({ period_start: selectedWeek, value: number, reason: reason.trim() });
  }

  return (
    <form onSubmit={submit} aria-label="Override the forecast" className="grid gap-3 sm:grid-cols-[10rem_8rem_1fr_auto] sm:items-end">
      <div>
        <label htmlFor={weekId} className="mb-1 block text-sm text-slate-600">
          Week
        </label>
        <select
          id={weekId}
          value={selectedWeek}
          onChange={(e) => {
            setWeek(e.target.value);
          }}
          className={field}
        >
          {forecast.map((p) => (
            <option key={p.period_start} value={p.period_start}>
              {p.period_start}
            </option>
          ))}
        </select>
      </div>
      <div>
        <label htmlFor={valueId} className="mb-1 block text-sm text-slate-600">
          Units
        </label>
        <input
          id={valueId}
          inputMode="decimal"
          value={value}
          onChange={(e) => {
            setValue(e.target.value);
          }}
          className={field}
        />
      </div>
      <div>
        <label htmlFor={reasonId} className="mb-1 block text-sm text-slate-600">
          Reason
        </label>
        <input
          id={reasonId}
          value={reason}
          maxLength={500}
          onChange={(e) => {
            setReason(e.target.value);
          }}
          className={field}
        />
      </div>
      <Button type="submit" variant="primary" disabled={isPending || forecast.length === 0}>
        {isPending ? 'Saving…' : 'Save override'}
      </Button>
      {problem ? (
        <p role="alert" className="text-sm text-red-700 sm:col-span-4">
          {problem}
        </p>
      ) : null}
      {error ? (
        <div className="sm:col-span-4">
          <ErrorAlert title="Could not save the override" error={error} />
        </div>
      ) : null}
    </form>
  );
}
