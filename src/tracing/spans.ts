import { startActiveObservation } from "@langfuse/tracing";
import { redactDeep } from "./redaction.js";

/**
 * The one way the service opens an observation. It wraps the Langfuse SDK's active observations
 * (OpenTelemetry spans with Langfuse attributes) so that nested calls nest, errors are marked on
 * the observation where they happened, everything written to a span is redacted, and the rest of
 * the code does not depend on the SDK.
 */

export type SpanKind = "span" | "agent" | "tool" | "chain" | "generation" | "retriever" | "evaluator" | "guardrail";
export type SpanLevel = "DEBUG" | "DEFAULT" | "WARNING" | "ERROR";

export interface SpanAttributes {
  input?: unknown;
  output?: unknown;
  metadata?: Record<string, unknown>;
  level?: SpanLevel;
  statusMessage?: string;
  model?: string;
  modelParameters?: Record<string, string | number>;
  usageDetails?: Record<string, number>;
  costDetails?: Record<string, number>;
}

export interface Span {
  readonly traceId: string;
  readonly id: string;
  update(attributes: SpanAttributes): void;
}

interface SdkObservation {
  id: string;
  traceId: string;
  update(attributes: SpanAttributes): unknown;
}

type StartActive = (name: string, fn: (observation: SdkObservation) => Promise<unknown>, options: { asType: SpanKind }) => Promise<unknown>;

export const errorMessage = (error: unknown) => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));

/** Redacts the free-text parts of an update; numbers, levels and model names pass unchanged. */
function redactAttributes(attributes: SpanAttributes): SpanAttributes {
  const { input, output, metadata, statusMessage, ...rest } = attributes;
  return {
    ...rest,
    ...(input !== undefined ? { input: redactDeep(input) } : {}),
    ...(output !== undefined ? { output: redactDeep(output) } : {}),
    ...(metadata !== undefined ? { metadata: redactDeep(metadata) } : {}),
    ...(statusMessage !== undefined ? { statusMessage: redactDeep(statusMessage) } : {}),
  };
}

/** Runs `fn` inside a new observation that is the active context for everything `fn` calls. */
export function withSpan<T>(name: string, kind: SpanKind, fn: (span: Span) => Promise<T>): Promise<T> {
  return (startActiveObservation as unknown as StartActive)(
    name,
    async (observation) => {
      const span: Span = {
        id: observation.id,
        traceId: observation.traceId,
        update: (attributes) => void observation.update(redactAttributes(attributes)),
      };
      try {
        return await fn(span);
      } catch (error) {
        span.update({ level: "ERROR", statusMessage: errorMessage(error) });
        throw error;
      }
    },
    { asType: kind },
  ) as Promise<T>;
}
