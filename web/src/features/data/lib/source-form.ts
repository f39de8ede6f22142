import type { FieldError } from '@/api/errors';
import { settingsOf, type SettingValue, type Source, type SourceChange } from '@/features/data/api/data-queries';

/** What the connection form holds: every setting as text, credentials as typed (never loaded). */
export interface SourceFormValues {
  settings: Record<string, string>;
  credentials: Record<string, string>;
  enabled: boolean;
  syncEvery: string;
}

/** Shortest and longest interval between scheduled syncs the server accepts, in seconds. */
export const MIN_INTERVAL_SECS = 30;
export const MAX_INTERVAL_SECS = 86_400;

const LABELS: Record<string, string> = {
  shop: 'Shop domain',
  channel: 'Channel',
  api_version: 'API version',
  base_url: 'API address',
  region: 'Region',
  channels: 'Marketplace channels',
  lwa_url: 'Login with Amazon address',
  warehouses: 'Warehouses',
  tenant_id: 'Tenant ID',
  identity_url: 'Identity address',
  api_url: 'API address',
  access_token: 'Access token',
  client_id: 'Client ID',
  client_secret: 'Client secret',
  refresh_token: 'Refresh token',
  api_id: 'API ID',
  api_key: 'API key',
};

const HINTS: Record<string, string> = {
  shop: 'The store’s domain, e.g. sentia-uk.myshopify.com.',
  channel: 'The Sentia channel its orders belong to, e.g. SHOP-UK.',
  base_url: 'Leave empty to use the source’s own address.',
  lwa_url: 'Leave empty to use Amazon’s own address.',
  identity_url: 'Leave empty to use Xero’s own address.',
  api_url: 'Leave empty to use Xero’s own address.',
  region: 'eu or na.',
  channels: 'A JSON object from marketplace id to Sentia channel, e.g. {"A1F83G8C2ARO7P": "AMZ-UK"}.',
  warehouses:
    'Unleashed warehouse codes separated by commas, each as CODE or CODE=LOCATION when its Sentia location has another code; empty for every warehouse.',
};

/** A field's label: "Shop domain" for `shop`, or the name in words. */
export function fieldLabel(name: string): string {
  const known = LABELS[name];
  if (known) return known;
  const words = name.replaceAll('_', ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export function fieldHint(name: string): string | undefined {
  return HINTS[name];
}

/** Settings whose value is not one line of text. */
export function settingControl(name: string): 'json' | 'list' | 'text' {
  if (name === 'channels') return 'json';
  if (name === 'warehouses') return 'list';
  return 'text';
}

function settingText(name: string, value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(String).join(', ');
  return settingControl(name) === 'json' ? JSON.stringify(value, null, 2) : JSON.stringify(value);
}

/** The form's starting values for `source`: its settings as they are, credentials empty. */
export function initialValues(source: Source): SourceFormValues {
  const settings = settingsOf(source);
  return {
    settings: Object.fromEntries(source.setting_fields.map((f) => [f, settingText(f, settings[f])])),
    credentials: Object.fromEntries(source.credential_fields.map((f) => [f, ''])),
    enabled: source.enabled,
    syncEvery: String(source.sync_every_secs),
  };
}

function parseSetting(name: string, text: string): { value: SettingValue } | { error: string } {
  const trimmed = text.trim();
  if (trimmed === '') return { value: null };
  switch (settingControl(name)) {
    case 'list':
      return { value: trimmed.split(',').map((w) => w.trim()).filter((w) => w !== '') };
    case 'json': {
      let parsed: unknown;
      try {
        parsed = JSON.parse(trimmed);
      } catch {
        return { error: 'is not valid JSON' };
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        return { error: 'must be a JSON object from marketplace id to channel code' };
      }
      const out: Record<string, string> = {};
      for (const [key, value] of Object.entries(parsed)) {
        if (typeof value !== 'string') return { error: `the channel of ${key} must be text` };
        out[key] = value;
      }
      return { value: out };
    }
    case 'text':
      return { value: trimmed };
  }
}

/**
 * The change to send for the edited `values`: only settings that differ from the source's,
 * only credentials that were typed (an empty one keeps what is stored), and the schedule when
 * it changed. Field errors use the server's field names (`settings.channels`).
 */
export function buildChange(
  source: Source,
  values: SourceFormValues,
): { change: SourceChange; errors: FieldError[] } {
  const start = initialValues(source);
  const errors: FieldError[] = [];
  const change: SourceChange = {};

  const settings: Record<string, SettingValue> = {};
  for (const name of source.setting_fields) {
    const text = values.settings[name] ?? '';
    if (text.trim() === (start.settings[name] ?? '').trim()) continue;
    const parsed = parseSetting(name, text);
    if ('error' in parsed) errors.push({ field: `settings.${name}`, reason: parsed.error });
    else settings[name] = parsed.value;
  }
  if (Object.keys(settings).length > 0) change.settings = settings;

  const credentials: Record<string, string> = {};
  for (const name of source.credential_fields) {
    const text = values.credentials[name] ?? '';
    if (text !== '') credentials[name] = text;
  }
  if (Object.keys(credentials).length > 0) change.credentials = credentials;

  if (values.enabled !== source.enabled) change.enabled = values.enabled;

  const every = Number(values.syncEvery.trim());
  if (!Number.isInteger(every) || every < MIN_INTERVAL_SECS || every > MAX_INTERVAL_SECS) {
    errors.push({
      field: 'sync_every_secs',
      reason: `must be a whole number of seconds between ${MIN_INTERVAL_SECS} and ${MAX_INTERVAL_SECS}`,
    });
  } else if (every !== source.sync_every_secs) {
    change.sync_every_secs = every;
  }

  return { change, errors };
}

/** Whether a change would change anything. */
export function isEmptyChange(change: SourceChange): boolean {
  return Object.keys(change).length === 0;
}

/** The error for field `name` (`settings.channel`), including errors of its parts (`settings.channels.X`). */
export function errorFor(errors: FieldError[], name: string): string | undefined {
  const hit = errors.find((e) => e.field === name || e.field.startsWith(`${name}.`));
  if (!hit) return undefined;
  const part = hit.field.slice(name.length + 1);
  return part ? `${part}: ${hit.reason}` : hit.reason;
}
