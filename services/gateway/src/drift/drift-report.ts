/**
 * The drift report of one model (`GET /v1/models/:name/drift`): per version that ran, per signal, the PSI of the
 * rolling window against the reference, both means, both histograms over the reference's edges and a plain
 * status. Built on request; nothing here runs per decision.
 */
import type { DriftMonitor, MonitoredSignals, VersionWindow, WatchedSignal } from './drift-monitor';
import type { DriftSignal, ReferenceDistribution } from './drift-reference';
import type { RecordedScoreWindow } from './recorded-scores';
import { SignalWindow } from './signal-window';
import { PSI_DRIFT, PSI_WATCH, driftStatus, worstStatus, type DriftStatus } from './psi';

export interface SignalDriftReport {
  status: DriftStatus;
  /** Null until the window holds `minCount` values (`reason` says so). */
  psi: number | null;
  reason?: string;
  count: number;
  currentMean: number | null;
  referenceMean: number | null;
  referenceN: number | null;
  edges: number[];
  currentFractions: number[];
  referenceFractions: number[];
}

export interface VersionDriftReport {
  version: string;
  configHash: string;
  /** The most severe status of its signals. */
  status: DriftStatus;
  /** Decisions in the window (at most `windowSize`). */
  windowItems: number;
  /** Decisions observed since this window started (gateway start or config change). */
  observed: number;
  firstObservedAt: string;
  lastObservedAt: string;
  signals: Partial<Record<DriftSignal, SignalDriftReport>>;
}

export interface DriftReport {
  model: string;
  /**
   * Whether the served config carries a usable drift reference; null when its contract cannot be read now
   * (model not loaded). `reason` says why not.
   */
  monitored: boolean | null;
  reason?: string;
  /** Signals the served config's reference covers. */
  signals: DriftSignal[];
  /** Reference entries that could not be used. */
  problems: string[];
  windowSize: number;
  minCount: number;
  thresholds: { watch: number; drift: number };
  /** Most recently observed first; empty until the model decides something. */
  versions: VersionDriftReport[];
  /**
   * The served version's signals over the last `windowSize` decisions recorded by every gateway replica
   * (`versions` are this replica's in-memory windows). Absent when the served config has no reference to judge them.
   */
  recorded?: RecordedDriftReport;
}

export interface RecordedDriftReport {
  version: string;
  /** Recorded decisions in the window, and when the oldest and newest were recorded. */
  items: number;
  from: string | null;
  to: string | null;
  /** Each signal the served config has a reference for (pixel signals: over the decisions recorded with them). */
  signals: Partial<Record<DriftSignal, SignalDriftReport>>;
}

/** The recorded window of one version against the served config's references, judged as the live windows are. */
export function recordedDriftReport(
  monitor: DriftMonitor,
  version: string,
  references: Partial<Record<DriftSignal, ReferenceDistribution>>,
  recorded: RecordedScoreWindow,
): RecordedDriftReport {
  const valuesOf: Record<DriftSignal, number[]> = {
    defect_probability: recorded.values,
    pixel_mean: recorded.pixelMeans,
    pixel_std: recorded.pixelStds,
  };
  const signals: RecordedDriftReport['signals'] = {};
  for (const [signal, reference] of Object.entries(references) as [DriftSignal, ReferenceDistribution][]) {
    const values = valuesOf[signal];
    const window = new SignalWindow(reference.edges, Math.max(1, values.length));
    for (const v of values) window.add(v);
    signals[signal] = signalReport(monitor, { signal, reference, window });
  }
  return {
    version,
    items: recorded.values.length,
    from: recorded.from?.toISOString() ?? null,
    to: recorded.to?.toISOString() ?? null,
    signals,
  };
}

/** The served contract's view of drift: what it lets the monitor watch, or why it cannot be read. */
export type ServedReference = { signals: MonitoredSignals } | { unreadable: string };

export function buildDriftReport(monitor: DriftMonitor, model: string, served: ServedReference): DriftReport {
  const report: DriftReport = {
    model,
    monitored: null,
    signals: [],
    problems: [],
    windowSize: monitor.windowSize,
    minCount: monitor.minCount,
    thresholds: { watch: PSI_WATCH, drift: PSI_DRIFT },
    versions: monitor.windows(model).map((w) => versionReport(monitor, w)),
  };
  if ('unreadable' in served) {
    report.reason = `the served model's contract cannot be read: ${served.unreadable}`;
    return report;
  }
  const { signals, problems, monitored } = served.signals;
  report.monitored = monitored;
  report.signals = Object.keys(signals) as DriftSignal[];
  report.problems = problems;
  if (!monitored) {
    report.reason =
      problems.length > 0
        ? 'the drift reference in the model config has no usable histogram'
        : 'the model config has no drift_reference_json';
  }
  return report;
}

function versionReport(monitor: DriftMonitor, w: VersionWindow): VersionDriftReport {
  const signals: VersionDriftReport['signals'] = {};
  for (const watched of w.signals) signals[watched.signal] = signalReport(monitor, watched);
  return {
    version: w.version,
    configHash: w.configHash,
    status: worstStatus(Object.values(signals).map((s) => s.status)),
    windowItems: w.items,
    observed: w.observed,
    firstObservedAt: new Date(w.firstObservedAt).toISOString(),
    lastObservedAt: new Date(w.lastObservedAt).toISOString(),
    signals,
  };
}

function signalReport(monitor: DriftMonitor, watched: WatchedSignal): SignalDriftReport {
  const { window, reference } = watched;
  const psi = monitor.psiOf(watched);
  const out: SignalDriftReport = {
    status: driftStatus(psi),
    psi: psi === null ? null : round(psi),
    count: window.count,
    currentMean: window.mean === null ? null : round(window.mean),
    referenceMean: reference.mean,
    referenceN: reference.n,
    edges: [...reference.edges],
    currentFractions: window.fractions().map(round),
    referenceFractions: [...reference.fractions],
  };
  if (psi === null) {
    out.reason = `${window.count} of the ${monitor.minCount} observations a PSI needs`;
  }
  return out;
}

const round = (x: number): number => Math.round(x * 1e6) / 1e6;
