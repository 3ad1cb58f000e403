import { hrTimeToMilliseconds } from "@opentelemetry/core";
import type { Attributes } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { LangfuseOtelSpanAttributes } from "@langfuse/tracing";

/** A finished span as a node of its trace, with the Langfuse fields people look for. */
export interface SpanNode {
  name: string;
  /** The Langfuse observation type (agent, chain, tool, generation, span, ...). */
  type: string;
  level: string;
  statusMessage?: string;
  durationMs: number;
  attributes: Attributes;
  children: SpanNode[];
}

const startOf = (span: ReadableSpan) => hrTimeToMilliseconds(span.startTime);

/**
 * The spans of one trace as trees, parents before children, siblings in start order. A span whose
 * parent is not among `spans` (not finished yet, or from another process) becomes a root.
 */
export function buildSpanTree(spans: readonly ReadableSpan[]): SpanNode[] {
  const ids = new Set(spans.map((span) => span.spanContext().spanId));
  const toNode = (span: ReadableSpan): SpanNode => {
    const status = span.attributes[LangfuseOtelSpanAttributes.OBSERVATION_STATUS_MESSAGE];
    return {
      name: span.name,
      type: String(span.attributes[LangfuseOtelSpanAttributes.OBSERVATION_TYPE] ?? "span"),
      level: String(span.attributes[LangfuseOtelSpanAttributes.OBSERVATION_LEVEL] ?? "DEFAULT"),
      ...(status !== undefined ? { statusMessage: String(status) } : {}),
      durationMs: Math.round(hrTimeToMilliseconds(span.duration)),
      attributes: span.attributes,
      children: [...spans]
        .filter((child) => child.parentSpanContext?.spanId === span.spanContext().spanId)
        .sort((a, b) => startOf(a) - startOf(b))
        .map(toNode),
    };
  };
  return spans
    .filter((span) => !span.parentSpanContext || !ids.has(span.parentSpanContext.spanId))
    .sort((a, b) => startOf(a) - startOf(b))
    .map(toNode);
}

/** An indented outline of a trace, one observation per line: what TRACE_CONSOLE prints. */
export function renderSpanTree(roots: readonly SpanNode[], indent = ""): string {
  return roots
    .map((node) => {
      const problem = node.level !== "DEFAULT" ? ` ${node.level}${node.statusMessage ? `: ${node.statusMessage}` : ""}` : "";
      const line = `${indent}${node.name} (${node.type}) ${node.durationMs}ms${problem}`;
      return node.children.length ? `${line}\n${renderSpanTree(node.children, `${indent}  `)}` : line;
    })
    .join("\n");
}
