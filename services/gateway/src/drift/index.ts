// Public API of drift/: drift monitoring of the routed models against the reference distributions in their
// configs (docs/drift.md).
export { DRIFT_MIN_COUNT, DriftMonitor, type DriftGaugeReading } from './drift-monitor';
export { DRIFT_SIGNALS, parseDriftReference, type DriftSignal } from './drift-reference';
export type { DriftReport, RecordedDriftReport, SignalDriftReport, VersionDriftReport } from './drift-report';
export { PostgresRecordedScores, type RecordedScores } from './recorded-scores';
export { driftRoutes, type DriftReports } from './drift-routes';
export { DriftService } from './drift-service';
export { PSI_DRIFT, PSI_WATCH, driftStatus, populationStabilityIndex, type DriftStatus } from './psi';
