import type { Logger } from 'pino';
import { every } from '../domain/periodic';
import type { ModelResolver } from '../inspections/inspection-service';

/**
 * Gateway-side version pins: a pinned model is served at that version to every request that does not name a
 * version itself (a rollback is a pin to an earlier version). Unpinned models follow Triton's version policy.
 * With `load`, the pins are the `model_pins` table's (written with each pin's audit entry): loaded at start and
 * every `refreshSeconds`, so every replica serves the same versions and a restart keeps them; this replica's own
 * pins and unpins apply at once.
 */
export class VersionPins {
  private readonly pins = new Map<string, string>();
  private stopTimer: () => void = () => undefined;

  constructor(
    private readonly source: {
      load?: () => Promise<Record<string, string>>;
      refreshSeconds?: number;
      log?: Logger;
    } = {},
  ) {}

  /** Replaces the pins with the stored ones. */
  async reload(): Promise<void> {
    if (!this.source.load) return;
    const stored = await this.source.load();
    this.pins.clear();
    for (const [model, version] of Object.entries(stored)) this.pins.set(model, version);
  }

  async start(): Promise<void> {
    await this.reload();
    this.stopTimer = every(
      this.source.refreshSeconds ?? 10,
      () => this.reload(),
      (err) => this.source.log?.warn({ err }, 'could not reload the version pins; keeping the previous ones'),
    );
  }

  stop(): void {
    this.stopTimer();
  }

  pin(model: string, version: string): void {
    this.pins.set(model, version);
  }

  unpin(model: string): boolean {
    return this.pins.delete(model);
  }

  get(model: string): string | undefined {
    return this.pins.get(model);
  }

  all(): Record<string, string> {
    return Object.fromEntries(this.pins);
  }

  /** Wraps a resolver so that requests without a version get the pinned one. */
  apply(resolver: ModelResolver): ModelResolver {
    return {
      resolve: (request) => {
        const route = resolver.resolve(request);
        if (route.version !== undefined) return route;
        const pinned = this.pins.get(route.model);
        return pinned === undefined ? route : { ...route, version: pinned };
      },
    };
  }
}
