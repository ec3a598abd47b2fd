/**
 * Epidemiology for the analytics subgraph, pure functions with no I/O: the discretised serial
 * interval and Rt as EpiEstim computes them (Cori et al. 2013), and the renewal-equation forecast
 * as the `projections` package draws it.
 */
export { discrSi, discrSiVector } from './discr-si.ts';
export {
  DEFAULT_CV_POSTERIOR,
  DEFAULT_PRIOR_MEAN,
  DEFAULT_PRIOR_SD,
  DEFAULT_WINDOW_DAYS,
  epiEstimMinCases,
  estimateR,
  overallInfectivity,
  type EstimateRConfig,
  type EstimateRResult,
  type RWindow,
  type SkipReason,
} from './estimate-r.ts';
export { DEFAULT_SEED, DEFAULT_SIMULATIONS, forecast, type ForecastDay, type ForecastOptions } from './forecast.ts';
export { MAX_FORECAST_DAYS } from './input.ts';
export { gammaCdf, gammaQuantile } from './gamma.ts';
export { COVID19_SERIAL_INTERVAL, type SerialInterval } from './serial-interval.ts';
