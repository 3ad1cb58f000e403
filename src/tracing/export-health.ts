import { ExportResultCode, type ExportResult } from "@opentelemetry/core";
import type { ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace-base";

/** What an operator needs to know about trace delivery (for /readyz or a metrics endpoint). */
export interface ExportHealth {
  exportedSpans: number;
  failedExports: number;
  failedSpans: number;
  lastError?: string;
  lastErrorAt?: string;
}

/** Writes at most one line per interval, then says how many it held back. */
export class RateLimitedLog {
  private lastWrittenAt = Number.NEGATIVE_INFINITY;
  private suppressed = 0;

  constructor(
    private readonly write: (line: string) => void,
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  log(line: string): void {
    const now = this.now();
    if (now - this.lastWrittenAt < this.intervalMs) {
      this.suppressed++;
      return;
    }
    const held = this.suppressed ? ` (${this.suppressed} similar message(s) suppressed)` : "";
    this.lastWrittenAt = now;
    this.suppressed = 0;
    this.write(`${line}${held}`);
  }
}

/**
 * Wraps the exporter to Langfuse: counts what was delivered and what failed, and logs failures
 * (rate-limited, so a Langfuse outage does not flood the log). Failures are never rethrown: the
 * batch processor exports in the background, and a lost trace must not cost a request.
 */
export class HealthTrackingExporter implements SpanExporter {
  readonly health: ExportHealth = { exportedSpans: 0, failedExports: 0, failedSpans: 0 };

  constructor(
    private readonly inner: SpanExporter,
    private readonly log: RateLimitedLog,
    private readonly destination: string,
  ) {}

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    const settle = (result: ExportResult) => {
      if (result.code === ExportResultCode.SUCCESS) {
        this.health.exportedSpans += spans.length;
      } else {
        this.recordFailure(spans.length, result.error);
      }
      resultCallback(result);
    };
    try {
      this.inner.export(spans, settle);
    } catch (error) {
      settle({ code: ExportResultCode.FAILED, error: error instanceof Error ? error : new Error(String(error)) });
    }
  }

  private recordFailure(spanCount: number, error: Error | undefined): void {
    this.health.failedExports++;
    this.health.failedSpans += spanCount;
    this.health.lastError = error ? `${error.name}: ${error.message}` : "export failed";
    this.health.lastErrorAt = new Date().toISOString();
    this.log.log(`tracing: could not export ${spanCount} span(s) to ${this.destination}: ${this.health.lastError}; requests are unaffected`);
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}
