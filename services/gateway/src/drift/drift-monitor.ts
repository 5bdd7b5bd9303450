import type { Logger } from 'pino';
import type { ModelContract } from '../routing';
import {
  DRIFT_SIGNALS,
  PIXEL_SIGNALS,
  parseDriftReference,
  type DriftSignal,
  type ParsedDriftReference,
  type ReferenceDistribution,
} from './drift-reference';
import { pixelMoments, type PixelMoments } from './pixel-moments';
import { SignalWindow } from './signal-window';

/**
 * Observations a window needs before it reports a PSI (fewer when the window itself is smaller). Sampling noise
 * alone gives a PSI of about (bins − 1)·(1/n + 1/n_reference): with 20 bins, 0.2–0.4 at 100 decisions (a false
 * `drift`), about 0.05–0.1 at 500.
 */
export const DRIFT_MIN_COUNT = 500;

export interface DriftMonitorOptions {
  /** Decisions kept per (model, version): the rolling window. */
  windowSize: number;
  /** Observations needed for a PSI; default min(DRIFT_MIN_COUNT, windowSize). */
  minCount?: number;
  /** Told once per contract when its drift reference cannot be used. */
  log?: Logger;
  now?: () => number;
}

/** What a model's contract lets the monitor watch. */
export interface MonitoredSignals extends ParsedDriftReference {
  /** True when at least one signal has a usable reference. */
  monitored: boolean;
}

/** One monitored signal of a window: its reference and its rolling histogram. */
export interface WatchedSignal {
  signal: DriftSignal;
  reference: ReferenceDistribution;
  window: SignalWindow;
}

/** The rolling window of one (model, version) under one config. */
export class VersionWindow {
  readonly signals: WatchedSignal[];
  observed = 0;
  firstObservedAt = 0;
  lastObservedAt = 0;
  private readonly defectProbability: SignalWindow | undefined;
  private readonly pixelMean: SignalWindow | undefined;
  private readonly pixelStd: SignalWindow | undefined;

  constructor(
    readonly model: string,
    readonly version: string,
    readonly configHash: string,
    references: Partial<Record<DriftSignal, ReferenceDistribution>>,
    readonly capacity: number,
  ) {
    this.signals = DRIFT_SIGNALS.flatMap((signal) => {
      const reference = references[signal];
      return reference ? [{ signal, reference, window: new SignalWindow(reference.edges, capacity) }] : [];
    });
    const find = (s: DriftSignal) => this.signals.find((w) => w.signal === s)?.window;
    this.defectProbability = find('defect_probability');
    this.pixelMean = find('pixel_mean');
    this.pixelStd = find('pixel_std');
  }

  /** Decisions in the window. */
  get items(): number {
    return Math.min(this.observed, this.capacity);
  }

  get watchesPixels(): boolean {
    return this.pixelMean !== undefined || this.pixelStd !== undefined;
  }

  add(at: number, defectProbability: number, pixelMean: number, pixelStd: number): void {
    if (this.observed === 0) this.firstObservedAt = at;
    this.observed++;
    this.lastObservedAt = at;
    this.defectProbability?.add(defectProbability);
    this.pixelMean?.add(pixelMean);
    this.pixelStd?.add(pixelStd);
  }
}

/** What the Prometheus gauges show per model: its most recently observed window. */
export interface DriftGaugeReading {
  model: string;
  items: number;
  /** Signals with a PSI (those past the minimum count). */
  psi: Array<{ signal: DriftSignal; value: number }>;
}

/**
 * Drift monitoring of every model whose config carries a drift reference: per (model, version that ran), a
 * rolling window of the last `windowSize` decisions' defect probability and, for image models, the per-image
 * mean and standard deviation of the UINT8 tensor sent to the model, each binned as its reference is. An
 * observation is O(tensor bytes) for the pixel pass plus O(log bins) per signal, with no allocation once the
 * window exists. A new config (another config hash) for the same version starts a new window.
 */
export class DriftMonitor {
  readonly windowSize: number;
  readonly minCount: number;
  private readonly models = new Map<string, Map<string, VersionWindow>>();
  private readonly parsed = new WeakMap<ModelContract, MonitoredSignals>();
  private readonly moments = new Float64Array(2);
  private readonly now: () => number;

  constructor(private readonly options: DriftMonitorOptions) {
    if (!Number.isInteger(options.windowSize) || options.windowSize < 1) {
      throw new RangeError('windowSize must be a positive integer');
    }
    this.windowSize = options.windowSize;
    this.minCount = Math.max(1, Math.min(options.minCount ?? DRIFT_MIN_COUNT, options.windowSize));
    this.now = options.now ?? Date.now;
  }

  /**
   * Records one decision: its defect probability and the tensor the model was given (`pixels`: that tensor's mean
   * and standard deviation when the caller computed them already).
   */
  observe(
    contract: ModelContract,
    version: string,
    defectProbability: number,
    input: Uint8Array,
    pixels?: PixelMoments,
  ): void {
    const signals = this.signalsOf(contract);
    if (!signals.monitored) return;
    let versions = this.models.get(contract.model);
    if (!versions) {
      versions = new Map();
      this.models.set(contract.model, versions);
    }
    let window = versions.get(version);
    if (!window || window.configHash !== contract.configHash) {
      window = new VersionWindow(
        contract.model,
        version,
        contract.configHash,
        signals.signals,
        this.windowSize,
      );
      versions.set(version, window);
    }
    let mean = Number.NaN;
    let std = Number.NaN;
    if (window.watchesPixels && pixels) {
      mean = pixels.mean;
      std = pixels.std;
    } else if (window.watchesPixels) {
      pixelMoments(input, this.moments);
      mean = this.moments[0]!;
      std = this.moments[1]!;
    }
    window.add(this.now(), defectProbability, mean, std);
  }

  /** The signals a contract's drift reference lets the monitor watch (parsed once per contract). */
  signalsOf(contract: ModelContract): MonitoredSignals {
    let signals = this.parsed.get(contract);
    if (!signals) {
      signals = monitoredSignals(contract);
      this.parsed.set(contract, signals);
      if (signals.problems.length > 0) {
        this.options.log?.warn(
          { model: contract.model, version: contract.version, problems: signals.problems },
          'drift reference partly unusable',
        );
      }
    }
    return signals;
  }

  /** The model's windows, most recently observed first. */
  windows(model: string): VersionWindow[] {
    const versions = this.models.get(model);
    return versions ? [...versions.values()].sort((a, b) => b.lastObservedAt - a.lastObservedAt) : [];
  }

  /** PSI of a watched signal, or null below the minimum count. */
  psiOf(watched: WatchedSignal): number | null {
    return watched.window.count < this.minCount ? null : watched.window.psi(watched.reference.fractions);
  }

  /** Per model, the window that served most recently (the one the gauges show). */
  gaugeReadings(): DriftGaugeReading[] {
    const readings: DriftGaugeReading[] = [];
    for (const model of this.models.keys()) {
      const latest = this.windows(model)[0];
      if (!latest) continue;
      const psi: DriftGaugeReading['psi'] = [];
      for (const watched of latest.signals) {
        const value = this.psiOf(watched);
        if (value !== null) psi.push({ signal: watched.signal, value });
      }
      readings.push({ model, items: latest.items, psi });
    }
    return readings;
  }
}

/** The usable signals of a contract's reference; pixel signals need a UINT8 image input. */
function monitoredSignals(contract: ModelContract): MonitoredSignals {
  const { signals, problems } = parseDriftReference(contract.driftReference);
  const pixels = contract.image !== undefined && contract.input.datatype === 'UINT8';
  if (!pixels) {
    for (const s of PIXEL_SIGNALS) {
      if (signals[s]) {
        delete signals[s];
        problems.push(`${s}: the model's input is not a UINT8 image`);
      }
    }
  }
  return { signals, problems, monitored: Object.keys(signals).length > 0 };
}
