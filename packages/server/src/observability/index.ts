/** The service's observability: Prometheus metrics and OpenTelemetry traces of runs. */
export { createMetrics } from './metrics.js';
export type { Metrics, MetricsOptions } from './metrics.js';
export { ATTR, createTracing, traceIdOf } from './tracing.js';
export type { Tracing, TracingOptions } from './tracing.js';
