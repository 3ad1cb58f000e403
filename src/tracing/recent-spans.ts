import { ExportResultCode, type ExportResult } from "@opentelemetry/core";
import type { ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace-base";
import { buildSpanTree, renderSpanTree } from "./span-tree.js";

/**
 * Keeps the most recent finished spans in memory, so traces exist (for tests, for a look at a
 * running process, for TRACE_CONSOLE) even when no Langfuse is configured. Bounded: the oldest
 * span makes room for the newest. With `print`, each finished trace is printed as an outline when
 * its root span ends (the root ends last, so its children are already here).
 */
export class RecentSpansExporter implements SpanExporter {
  private readonly spans: ReadableSpan[] = [];

  constructor(
    private readonly capacity: number,
    private readonly print?: (text: string) => void,
  ) {}

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this.spans.push(...spans);
    if (this.spans.length > this.capacity) this.spans.splice(0, this.spans.length - this.capacity);
    if (this.print) {
      for (const root of spans.filter((span) => !span.parentSpanContext)) {
        const traceId = root.spanContext().traceId;
        this.print(`[trace ${traceId}]\n${renderSpanTree(buildSpanTree(this.finished(traceId)))}`);
      }
    }
    resultCallback({ code: ExportResultCode.SUCCESS });
  }

  /** Finished spans, oldest first; of one trace when `traceId` is given. */
  finished(traceId?: string): ReadableSpan[] {
    return traceId ? this.spans.filter((span) => span.spanContext().traceId === traceId) : [...this.spans];
  }

  async shutdown(): Promise<void> {}

  async forceFlush(): Promise<void> {}
}
