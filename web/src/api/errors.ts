import type { components } from '@/api/generated/schema';

type ApiErrorBody = components['schemas']['ApiErrorBody'];
export type FieldError = ApiErrorBody['error']['details'][number];

/** The one error type the app shows: every failed request becomes an `ApiError`. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: FieldError[];

  constructor(status: number, code: string, message: string, details: FieldError[] = []) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
  }

  get isUnauthorized(): boolean {
    return this.status === 401;
  }
}

function isApiErrorBody(value: unknown): value is ApiErrorBody {
  if (typeof value !== 'object' || value === null || !('error' in value)) return false;
  const inner: unknown = value.error;
  return (
    typeof inner === 'object' &&
    inner !== null &&
    'code' in inner &&
    typeof inner.code === 'string' &&
    'message' in inner &&
    typeof inner.message === 'string'
  );
}

const statusMessages: Record<number, string> = {
  401: 'You are not signed in.',
  403: 'You do not have permission to do this.',
  404: 'Not found.',
  429: 'Too many requests. Please wait a moment and try again.',
};

/** Builds an `ApiError` from a response status and its (possibly non-JSON) body. */
export function toApiError(status: number, body: unknown): ApiError {
  if (isApiErrorBody(body)) {
    const details = Array.isArray(body.error.details) ? body.error.details : [];
    return new ApiError(status, body.error.code, body.error.message, details);
  }
  const message = statusMessages[status] ?? `The server answered with HTTP ${status}.`;
  return new ApiError(status, `http_${status}`, message);
}

/** Normalises anything thrown (network failure, bug) into an `ApiError`. */
export function asApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof TypeError) {
    return new ApiError(0, 'network_error', 'Could not reach the Sentia server. Check your connection.');
  }
  const message = error instanceof Error ? error.message : 'Something went wrong.';
  return new ApiError(0, 'unknown', message);
}
