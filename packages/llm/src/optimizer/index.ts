/** LLM-Auto-Optimizer integration: the metric collector, the metrics sender and usage reports. */
export { createMetricCollector, METRIC_COLLECTOR, QUALITY_METRICS } from './metric-collector.js';
export type {
  CollectedRecord,
  MetricCollectorOptions,
  MetricCollectorOutput,
} from './metric-collector.js';
export {
  isQualityOnly,
  summariseRecords,
  summariseUsage,
  USAGE_GROUPINGS,
  utcDay,
} from './report.js';
export type { UsageGrouping, UsageSummaryRow } from './report.js';
export { createOptimizerSender } from './sender.js';
export type { OptimizerMetric, OptimizerSender, OptimizerSenderOptions } from './sender.js';
