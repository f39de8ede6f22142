import { useId, useState, type SubmitEvent } from 'react';
import { asApiError, type FieldError } from '@/api/errors';
import { useUpdateSource, type Source } from '@/features/data/api/data-queries';
import {
  buildChange,
  errorFor,
  fieldHint,
  fieldLabel,
  initialValues,
  isEmptyChange,
  MAX_INTERVAL_SECS,
  MIN_INTERVAL_SECS,
  settingControl,
  type SourceFormValues,
} from '@/features/data/lib/source-form';
import { ErrorAlert } from '@/shared/components/alert';
import { Button } from '@/shared/components/button';
import { cn } from '@/shared/lib/cn';

const input =
  'h-9 w-full rounded-md border border-slate-300 px-2 text-sm focus:border-indigo-500 focus:outline-none aria-invalid:border-red-500';

interface FieldProps {
  id: string;
  label: string;
  hint?: string;
  error?: string;
  aside?: React.ReactNode;
  children: (describedBy: string | undefined) => React.ReactNode;
}

/** A labelled control with its hint and error, both read out with the control. */
function Field({ id, label, hint, error, aside, children }: FieldProps) {
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const describedBy = [errorId, hintId].filter(Boolean).join(' ') || undefined;
  return (
    <div className="flex flex-col gap-1">
      <div className="flex items-baseline justify-between gap-2">
        <label htmlFor={id} className="text-xs font-medium text-slate-600">
          {label}
        </label>
        {aside}
      </div>
      {children(describedBy)}
      {error ? (
        <p id={errorId} className="text-xs text-red-700">
          {error}
        </p>
      ) : null}
      {hint ? (
        <p id={hintId} className="text-xs text-slate-500">
          {hint}
        </p>
      ) : null}
    </div>
  );
}

/** The server's names of the fields this form shows errors next to. */
function formFields(source: Source): string[] {
  return [
    ...source.setting_fields.map((f) => `settings.${f}`),
    ...source.credential_fields.map((f) => `credentials.${f}`),
    'sync_every_secs',
    'enabled',
  ];
}

/**
 * Connecting or editing a source: its settings, its credentials (write-only: a stored one
 * shows as "set" and is kept while its field is left empty), scheduled syncs and interval.
 */
export function SourceForm({ source, onStepUpNeeded }: { source: Source; onStepUpNeeded: () => void }) {
  const update = useUpdateSource(source.code);
  const [values, setValues] = useState<SourceFormValues>(() => initialValues(source));
  const [localErrors, setLocalErrors] = useState<FieldError[]>([]);
  const [saved, setSaved] = useState(false);
  const baseId = useId();
  const id = (name: string) => `${baseId}-${name}`;

  const serverError = update.error ? asApiError(update.error) : null;
  const errors = localErrors.length > 0 ? localErrors : (serverError?.details ?? []);
  const known = formFields(source);
  const unplaced = serverError
    ? serverError.details.filter((d) => !known.some((k) => d.field === k || d.field.startsWith(`${k}.`)))
    : [];
  const stepUp = serverError?.code === 'step_up_required';

  const submit = (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    setSaved(false);
    const { change, errors: found } = buildChange(source, values);
    setLocalErrors(found);
    if (found.length > 0) return;
    if (isEmptyChange(change)) {
      setSaved(true);
      return;
    }
    update.reset();
    update.mutate(change, {
      onSuccess: (after) => {
        // Typed secrets leave the page as soon as the server has them.
        setValues(initialValues(after));
        setSaved(true);
      },
      onError: (error) => {
        if (asApiError(error).code === 'step_up_required') onStepUpNeeded();
      },
    });
  };

  const setSetting = (name: string, text: string) => {
    setSaved(false);
    setValues((v) => ({ ...v, settings: { ...v.settings, [name]: text } }));
  };
  const setCredential = (name: string, text: string) => {
    setSaved(false);
    setValues((v) => ({ ...v, credentials: { ...v.credentials, [name]: text } }));
  };

  return (
    <form onSubmit={submit} noValidate aria-label={`Connection of ${source.label}`} className="space-y-4">
      {source.setting_fields.length > 0 ? (
        <fieldset className="grid gap-3 sm:grid-cols-2">
          <legend className="mb-2 text-sm font-semibold text-slate-900">Settings</legend>
          {source.setting_fields.map((name) => {
            const control = settingControl(name);
            const error = errorFor(errors, `settings.${name}`);
            return (
              <div key={name} className={cn(control === 'json' && 'sm:col-span-2')}>
                <Field id={id(name)} label={fieldLabel(name)} hint={fieldHint(name)} error={error}>
                  {(describedBy) =>
                    control === 'json' ? (
                      <textarea
                        id={id(name)}
                        rows={5}
                        spellCheck={false}
                        value={values.settings[name] ?? ''}
                        aria-invalid={error ? true : undefined}
                        aria-describedby={describedBy}
                        onChange={(e) => { setSetting(name, e.target.value); }}
                        className={cn(input, 'h-auto py-1.5 font-mono text-xs')}
                      />
                    ) : (
                      <input
                        id={id(name)}
                        value={values.settings[name] ?? ''}
                        autoComplete="off"
                        spellCheck={false}
                        aria-invalid={error ? true : undefined}
                        aria-describedby={describedBy}
                        onChange={(e) => { setSetting(name, e.target.value); }}
                        className={input}
                      />
                    )
                  }
                </Field>
              </div>
            );
          })}
        </fieldset>
      ) : null}

      <fieldset className="grid gap-3 sm:grid-cols-2">
        <legend className="mb-2 text-sm font-semibold text-slate-900">Credentials</legend>
        <p className="text-xs text-slate-500 sm:col-span-2">
          Stored encrypted and never shown again. Leave a field empty to keep what is stored.
        </p>
        {source.credential_fields.map((name) => {
          const isSet = source.credentials_set.includes(name);
          const error = errorFor(errors, `credentials.${name}`);
          return (
            <Field
              key={name}
              id={id(name)}
              label={fieldLabel(name)}
              error={error}
              aside={
                <span
                  data-testid={`credential-${name}-state`}
                  className={cn('text-xs font-medium', isSet ? 'text-emerald-700' : 'text-slate-500')}
                >
                  {isSet ? 'set' : 'not set'}
                </span>
              }
            >
              {(describedBy) => (
                <input
                  id={id(name)}
                  type="password"
                  autoComplete="new-password"
                  placeholder={isSet ? 'Leave empty to keep' : ''}
                  value={values.credentials[name] ?? ''}
                  aria-invalid={error ? true : undefined}
                  aria-describedby={describedBy}
                  onChange={(e) => { setCredential(name, e.target.value); }}
                  className={input}
                />
              )}
            </Field>
          );
        })}
      </fieldset>

      <fieldset className="grid gap-3 sm:grid-cols-2">
        <legend className="mb-2 text-sm font-semibold text-slate-900">Schedule</legend>
        <label className="flex items-center gap-2 text-sm text-slate-700 sm:col-span-2">
          <input
            type="checkbox"
            checked={values.enabled}
            onChange={(e) => {
              setSaved(false);
              setValues((v) => ({ ...v, enabled: e.target.checked }));
            }}
            className="size-4 rounded border-slate-300 text-indigo-600"
          />
          Sync on a schedule
        </label>
        <Field
          id={id('sync_every_secs')}
          label="Interval (seconds)"
          hint={`Between ${MIN_INTERVAL_SECS} and ${MAX_INTERVAL_SECS}.`}
          error={errorFor(errors, 'sync_every_secs')}
        >
          {(describedBy) => (
            <input
              id={id('sync_every_secs')}
              type="number"
              inputMode="numeric"
              min={MIN_INTERVAL_SECS}
              max={MAX_INTERVAL_SECS}
              value={values.syncEvery}
              aria-invalid={errorFor(errors, 'sync_every_secs') ? true : undefined}
              aria-describedby={describedBy}
              onChange={(e) => {
                setSaved(false);
                setValues((v) => ({ ...v, syncEvery: e.target.value }));
              }}
              className={cn(input, 'w-32 tabular-nums')}
            />
          )}
        </Field>
      </fieldset>

      {stepUp ? (
        <p role="alert" className="rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900">
          Changing a connection needs a fresh code from your authenticator: confirm it above, then save again.
        </p>
      ) : serverError && (serverError.details.length === 0 || unplaced.length > 0) ? (
        <ErrorAlert title="Could not save" error={update.error} />
      ) : errors.length > 0 ? (
        <p role="alert" className="text-sm text-red-700">
          Check the highlighted fields.
        </p>
      ) : null}

      <div className="flex flex-wrap items-center gap-3">
        <Button type="submit" variant="primary" disabled={update.isPending}>
          {update.isPending ? 'Saving…' : source.credentials_set.length > 0 ? 'Save changes' : 'Connect'}
        </Button>
        {saved ? (
          <p role="status" className="text-sm text-emerald-700">
            Saved.
          </p>
        ) : null}
      </div>
    </form>
  );
}
