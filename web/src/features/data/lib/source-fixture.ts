import type { Source } from '@/features/data/api/data-queries';

/** Settings for a fixture: the OpenAPI document types a free-form object as `Record<string, never>`. */
export function jsonSettings(value: Record<string, unknown>): Source['settings'] {
  return value as unknown as Source['settings'];
}

/** A source as the API returns it, for tests: a Shopify store not connected yet. */
export function sourceFixture(overrides: Partial<Source> = {}): Source {
  return {
    code: 'shopify-uk',
    kind: 'shopify',
    label: 'Shopify UK',
    status: 'not_connected',
    freshness: 'none',
    age_secs: null,
    settings: jsonSettings({ channel: 'SHOP-UK', api_version: '2026-10' }),
    setting_fields: ['shop', 'channel', 'api_version', 'base_url'],
    credential_fields: ['access_token'],
    credentials_set: [],
    enabled: false,
    sync_every_secs: 60,
    last_attempt_at: null,
    last_success_at: null,
    next_sync_at: null,
    syncing: false,
    last_error: null,
    last_error_at: null,
    consecutive_failures: 0,
    circuit: 'closed',
    circuit_open_until: null,
    last_sync_records: 0,
    records_synced: 0,
    record_counts: {},
    reconciliation: null,
    reconciled_at: null,
    ...overrides,
  };
}
