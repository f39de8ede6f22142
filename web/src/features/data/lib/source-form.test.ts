import { describe, expect, it } from 'vitest';
import type { Source } from '@/features/data/api/data-queries';
import { buildChange, errorFor, initialValues } from '@/features/data/lib/source-form';
import { jsonSettings, sourceFixture } from '@/features/data/lib/source-fixture';

const amazon: Source = sourceFixture({
  code: 'amazon-eu',
  kind: 'amazon',
  label: 'Amazon EU',
  settings: jsonSettings({ region: 'eu', channels: { A1F83G8C2ARO7P: 'AMZ-UK' } }),
  setting_fields: ['region', 'channels', 'base_url', 'lwa_url'],
  credential_fields: ['client_id', 'client_secret', 'refresh_token'],
  credentials_set: ['client_id'],
});

describe('the connection form', () => {
  it('starts from the stored settings and never from stored credentials', () => {
    const values = initialValues(amazon);
    expect(values.settings.region).toBe('eu');
    expect(JSON.parse(values.settings.channels ?? '')).toEqual({ A1F83G8C2ARO7P: 'AMZ-UK' });
    expect(values.credentials).toEqual({ client_id: '', client_secret: '', refresh_token: '' });
  });

  it('sends only what changed; an empty credential keeps the stored one; a cleared setting is removed', () => {
    const values = initialValues(amazon);
    values.settings.base_url = 'http://127.0.0.1:9';
    values.settings.region = '';
    values.credentials.client_secret = 's3cret';
    values.syncEvery = '600';
    const { change, errors } = buildChange(amazon, values);
    expect(errors).toEqual([]);
    expect(change).toEqual({
      settings: { base_url: 'http://127.0.0.1:9', region: null },
      credentials: { client_secret: 's3cret' },
      sync_every_secs: 600,
    });
    expect(buildChange(amazon, initialValues(amazon)).change).toEqual({});
  });

  it('checks the channel map and the interval before sending', () => {
    const values = initialValues(amazon);
    values.settings.channels = '{"A1F83G8C2ARO7P": 7}';
    values.syncEvery = '10';
    const { errors } = buildChange(amazon, values);
    expect(errorFor(errors, 'settings.channels')).toBe('the channel of A1F83G8C2ARO7P must be text');
    expect(errorFor(errors, 'sync_every_secs')).toMatch(/between 30 and 86400/);
    values.settings.channels = '{not json';
    expect(errorFor(buildChange(amazon, values).errors, 'settings.channels')).toBe('is not valid JSON');
  });

  it('places a server error on a part of a setting next to that setting', () => {
    const errors = [{ field: 'settings.channels.A1F83G8C2ARO7P', reason: '"NOPE" is not a channel' }];
    expect(errorFor(errors, 'settings.channels')).toBe('A1F83G8C2ARO7P: "NOPE" is not a channel');
    expect(errorFor(errors, 'settings.channel')).toBeUndefined();
  });
});
