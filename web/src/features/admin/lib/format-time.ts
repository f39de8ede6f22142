import { APP_LOCALE } from '@/shared/lib/format';

/** An instant as a short local date and time. */
export function formatDateTime(iso: string): string {
  return new Intl.DateTimeFormat(APP_LOCALE, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));
}
