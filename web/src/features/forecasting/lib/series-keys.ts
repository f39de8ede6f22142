import type { SeriesList } from '@/features/forecasting/api/forecasting-queries';

/** The key of "every SKU" or "every channel" in a total (see the API's `totals`). */
export const ALL = '*';
/** Prefix of a region total's channel key, e.g. `region:UK`. */
export const REGION_PREFIX = 'region:';

/** Whether the SKU × channel key names a total rather than one series. */
export function isTotal(sku: string, channel: string): boolean {
  return sku === ALL || channel === ALL || channel.startsWith(REGION_PREFIX);
}

/** A readable name for a SKU key. */
export function skuLabel(sku: string): string {
  return sku === ALL ? 'All SKUs' : sku;
}

/** A readable name for a channel key. */
export function channelLabel(channel: string): string {
  if (channel === ALL) return 'All channels';
  if (channel.startsWith(REGION_PREFIX)) return `${channel.slice(REGION_PREFIX.length)} (all channels)`;
  return channel;
}

/** `GIN-70 on AMZ-UK`, `All SKUs on UK (all channels)`, … */
export function seriesLabel(sku: string, channel: string): string {
  return `${skuLabel(sku)} on ${channelLabel(channel)}`;
}

/** The SKU keys to choose from: every SKU total, then the SKUs. */
export function skuOptions(list: SeriesList): string[] {
  const totals = list.totals.filter((t) => t.sku !== ALL).length > 0 ? [ALL] : [];
  return [...totals, ...new Set(list.series.map((s) => s.sku))];
}

/**
 * The channel keys that exist with `sku`: its channels and, where the list has that total,
 * all channels; across every SKU also each region.
 */
export function channelOptions(list: SeriesList, sku: string): string[] {
  const channels = [...new Set(list.series.map((s) => s.channel))];
  const totals = list.totals.filter((t) => t.sku === sku).map((t) => t.channel);
  if (sku === ALL) {
    const regions = totals.filter((c) => c.startsWith(REGION_PREFIX));
    return [...totals.filter((c) => c === ALL), ...regions, ...channels.filter((c) => totals.includes(c))];
  }
  return [...channels, ...totals];
}
