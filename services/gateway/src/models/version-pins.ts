import type { ModelResolver } from '../inspections/inspection-service';

/**
 * Gateway-side version pins: a pinned model is served at that version to every request that does not name a
 * version itself (a rollback is a pin to an earlier version). Unpinned models follow Triton's version policy.
 */
export class VersionPins {
  private readonly pins = new Map<string, string>();

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
