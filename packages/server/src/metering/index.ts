export {
  createUsageMeter,
  hourlySplit,
  type UsageMeter,
  type UsageMeterOptions,
  type UsageReading,
} from './usage-meter.js';
export {
  USAGE_CSV_COLUMNS,
  type UsageGranularity,
  type UsageReport,
  type UsageRow,
  usageCsv,
  usageReport,
} from './usage-report.js';
