import type { ReactNode } from 'react';
import { asApiError } from '@/api/errors';
import { Button } from '@/shared/components/button';

interface AlertProps {
  title: string;
  children?: ReactNode;
  action?: ReactNode;
}

/** Inline error alert; announced to screen readers. */
export function Alert({ title, children, action }: AlertProps) {
  return (
    <div role="alert" className="flex flex-wrap items-start gap-3 rounded-lg border border-red-200 bg-red-50 p-4 text-sm">
      <svg aria-hidden="true" viewBox="0 0 20 20" className="mt-0.5 size-5 shrink-0 fill-red-500">
        <path d="M10 1.5a8.5 8.5 0 1 0 0 17 8.5 8.5 0 0 0 0-17Zm-.9 4.5h1.8v5.5H9.1V6Zm0 7h1.8v1.8H9.1V13Z" />
      </svg>
      <div className="min-w-0 flex-1">
        <p className="font-semibold text-red-800">{title}</p>
        {children ? <div className="mt-1 text-red-700">{children}</div> : null}
      </div>
      {action}
    </div>
  );
}

interface ErrorAlertProps {
  error: unknown;
  title?: string;
  onRetry?: () => void;
}

/** The one way the app shows a failed request: the server's message, field details, retry. */
export function ErrorAlert({ error, title = 'Something went wrong', onRetry }: ErrorAlertProps) {
  const apiError = asApiError(error);
  return (
    <Alert
      title={title}
      action={
        onRetry ? (
          <Button size="sm" onClick={onRetry}>
            Try again
          </Button>
        ) : undefined
      }
    >
      <p>{apiError.message}</p>
      {apiError.details.length > 0 ? (
        <ul className="mt-1 list-disc pl-5">
          {apiError.details.map((detail) => (
            <li key={`${detail.field}:${detail.reason}`}>
              <span className="font-mono">{detail.field}</span>: {detail.reason}
            </li>
          ))}
        </ul>
      ) : null}
    </Alert>
  );
}
