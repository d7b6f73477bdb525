/** One circuit breaker per dependency (executor name, provider/model, ...), created on first use. */
import type { Clock } from '../clock.js';
import {
  CircuitBreaker,
  type CircuitBreakerOptions,
  type CircuitBreakerSnapshot,
  type CircuitStateChange,
} from './circuit-breaker.js';

export interface CircuitBreakerRegistryOptions {
  /** Options for every breaker; unset fields take `DEFAULT_CIRCUIT_BREAKER`. */
  readonly defaults?: CircuitBreakerOptions;
  /** Per-key options, merged field by field over `defaults`. */
  readonly overrides?: Readonly<Record<string, CircuitBreakerOptions>>;
}

export type KeyedStateListener = (key: string, change: CircuitStateChange) => void;

export class CircuitBreakerRegistry {
  private readonly breakers = new Map<string, CircuitBreaker>();
  private readonly listeners = new Set<KeyedStateListener>();

  constructor(
    private readonly clock: Clock,
    private readonly options: CircuitBreakerRegistryOptions = {},
  ) {}

  /** The breaker for `key`, created (closed) on first use. */
  get(key: string): CircuitBreaker {
    let breaker = this.breakers.get(key);
    if (breaker === undefined) {
      const { overrides } = this.options;
      const own = overrides !== undefined && Object.hasOwn(overrides, key) ? overrides[key] : {};
      breaker = new CircuitBreaker(this.clock, { ...this.options.defaults, ...own, name: key });
      breaker.onStateChange((change) => {
        for (const listener of [...this.listeners]) {
          try {
            listener(key, change);
          } catch {
            // Listeners must not break the breaker.
          }
        }
      });
      this.breakers.set(key, breaker);
    }
    return breaker;
  }

  has(key: string): boolean {
    return this.breakers.has(key);
  }

  keys(): string[] {
    return [...this.breakers.keys()];
  }

  /** Forgets a breaker (it starts closed again on the next `get`). */
  delete(key: string): boolean {
    return this.breakers.delete(key);
  }

  /** State changes of every breaker, present and future. Returns an unsubscribe function. */
  onStateChange(listener: KeyedStateListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Every breaker's snapshot by key (JSON-serialisable). */
  snapshot(): Record<string, CircuitBreakerSnapshot> {
    const out: Record<string, CircuitBreakerSnapshot> = {};
    for (const [key, breaker] of this.breakers) {
      Object.defineProperty(out, key, {
        value: breaker.snapshot(),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
}
