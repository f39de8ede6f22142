import type { SeriesDetail } from '@/features/forecasting/api/forecasting-queries';

/** A small series for component tests. */
export const detail: SeriesDetail = {
  sku: 'GIN-70',
  channel: 'AMZ-UK',
  granularity: 'week',
  season: 52,
  history: [
    { period_start: '2026-11-16', units: 10, censored: false, stockout_days: 0 },
    { period_start: '2026-11-23', units: 4, censored: true, stockout_days: 2 },
  ],
  forecast_id: 7,
  run_id: 1,
  model: 'ensemble',
  engine_version: 'sentia-forecast 0.1.0',
  origin_date: '2026-11-23',
  created_at: '2026-12-01T08:00:00Z',
  parameters: {},
  forecast: [
    { step: 1, period_start: '2026-11-30', point: 11, lo80: 8, hi80: 14, lo95: 6, hi95: 16, override_value: 20 },
    { step: 2, period_start: '2026-12-07', point: 12, lo80: 9, hi80: 15, lo95: 7, hi95: 18, override_value: null },
  ],
  models: [
    { model: 'ensemble', folds: 8, mae: 1.5, rmse: 2, smape: 10, mase: 0.8, wape: 12.5, bias: 0.1, coverage80: 81, coverage95: 96, weight: 1, note: null },
    { model: 'ets', folds: 8, mae: 1.7, rmse: 2.2, smape: 11, mase: 0.9, wape: 13, bias: -0.2, coverage80: 78, coverage95: 94, weight: 0.6, note: null },
    { model: 'arima', folds: 8, mae: null, rmse: null, smape: null, mase: null, wape: null, bias: null, coverage80: null, coverage95: null, weight: 0, note: 'fit failed' },
  ],
  weights: [{ model: 'ets', weight: 0.6 }],
  weight_reason: 'inverse MAE',
  decomposition: { method: 'classical', season: 1, points: [] },
  accuracy: [],
};
