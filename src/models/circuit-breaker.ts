/**
 * A circuit breaker for the model provider. `closed`: model calls go through and consecutive
 * failures are counted; at `failureThreshold` it opens. `open`: no model calls for `cooldownMs`
 * (the service answers offline instead of waiting on a provider that keeps failing). Then
 * `half_open`: calls go through again as trials; the first success closes the circuit, the first
 * failure opens it for another cooldown.
 *
 * Half-open admits every caller rather than a single probe: a caller that asks for a model does
 * not always call it (synthesis of a single answer does not), so a reserved probe could be held
 * forever. The cost is a short burst of trial calls after each cooldown.
 */

export type CircuitState = "closed" | "open" | "half_open";

export interface CircuitTransition {
  from: CircuitState;
  to: CircuitState;
  consecutiveFailures: number;
  /** The failure that opened (or re-opened) the circuit. */
  lastError?: unknown;
}

export interface CircuitBreakerOptions {
  failureThreshold: number;
  cooldownMs: number;
  /** The clock, replaceable in tests. */
  now?: () => number;
}

export class CircuitBreaker {
  private current: CircuitState = "closed";
  private consecutiveFailures = 0;
  private openedAt = 0;
  private readonly listeners: Array<(transition: CircuitTransition) => void> = [];
  private readonly now: () => number;

  constructor(private readonly options: CircuitBreakerOptions) {
    this.now = options.now ?? (() => Date.now());
  }

  /** The state now; an open circuit whose cooldown has passed becomes half-open on being asked. */
  get state(): CircuitState {
    if (this.current === "open" && this.now() - this.openedAt >= this.options.cooldownMs) this.moveTo("half_open");
    return this.current;
  }

  get failures(): number {
    return this.consecutiveFailures;
  }

  /** Whether a model call may be made now. */
  allowsCall(): boolean {
    return this.state !== "open";
  }

  /** Why calls are refused, for the `degradedReason` of answers given meanwhile. */
  describe(): string {
    return `the model provider failed ${this.consecutiveFailures} consecutive call(s); answering offline (local classifier and extractive specialists) until a trial call succeeds`;
  }

  recordSuccess(): void {
    // A success that was in flight while the circuit opened does not close it: only a trial does.
    if (this.current === "open") return;
    this.consecutiveFailures = 0;
    if (this.current === "half_open") this.moveTo("closed");
  }

  recordFailure(error?: unknown): void {
    if (this.current === "open") return;
    this.consecutiveFailures++;
    if (this.current === "half_open" || this.consecutiveFailures >= this.options.failureThreshold) {
      this.openedAt = this.now();
      this.moveTo("open", error);
    }
  }

  /** Calls `listener` on every change of state (to log it). */
  onTransition(listener: (transition: CircuitTransition) => void): void {
    this.listeners.push(listener);
  }

  private moveTo(to: CircuitState, lastError?: unknown): void {
    const from = this.current;
    if (from === to) return;
    this.current = to;
    const transition: CircuitTransition = { from, to, consecutiveFailures: this.consecutiveFailures, ...(lastError !== undefined ? { lastError } : {}) };
    for (const listener of this.listeners) listener(transition);
  }
}
