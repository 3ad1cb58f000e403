import { trace } from "@opentelemetry/api";
import { LangfuseOtelSpanAttributes, propagateAttributes } from "@langfuse/tracing";
import { redactSecrets } from "../index/secrets.js";
import { traceUrlOf } from "./setup.js";
import { withSpan, type Span } from "./spans.js";

export interface RequestTraceInfo {
  /** The trace name: the pipeline that answered. */
  name: string;
  question: string;
  sessionId?: string;
  userId?: string;
  tags: string[];
  metadata: Record<string, string>;
}

/** The root observation of a request, with what only the root can do. */
export interface RequestTrace extends Span {
  /** Where the trace can be opened in Langfuse; undefined when traces are not sent to Langfuse. */
  readonly traceUrl: string | undefined;
  /**
   * Adds tags learned during the request (the route, known only after the router). Langfuse
   * merges the tags of every span of a trace into the trace's tags (a union), so setting them on
   * the root span, which ends last, tags the trace.
   */
  addTraceTags(tags: readonly string[]): void;
}

/** Langfuse drops propagated values longer than this. */
const MAX_ATTRIBUTE_LENGTH = 200;
const clip = (value: string) => redactSecrets(value).slice(0, MAX_ATTRIBUTE_LENGTH);

const VALID_TRACE_ID = /^(?!0+$)[0-9a-f]{32}$/;

/**
 * One trace per request: a root agent observation named after the pipeline, with the trace's
 * session, user, tags and metadata propagated to every observation created inside it.
 */
export function withRequestTrace<T>(info: RequestTraceInfo, fn: (root: RequestTrace) => Promise<T>): Promise<T> {
  return withSpan(info.name, "agent", (span) => {
    const rootSpan = trace.getActiveSpan();
    let tags = [...new Set(info.tags.map(clip))];
    const root: RequestTrace = {
      id: span.id,
      traceId: span.traceId,
      update: span.update,
      traceUrl: VALID_TRACE_ID.test(span.traceId) ? traceUrlOf(span.traceId) : undefined,
      addTraceTags(added) {
        tags = [...new Set([...tags, ...added.map(clip)])];
        rootSpan?.setAttribute(LangfuseOtelSpanAttributes.TRACE_TAGS, tags);
      },
    };
    root.update({ input: { question: info.question } });
    return propagateAttributes(
      {
        traceName: info.name,
        ...(info.sessionId ? { sessionId: clip(info.sessionId) } : {}),
        ...(info.userId ? { userId: clip(info.userId) } : {}),
        tags,
        metadata: Object.fromEntries(Object.entries(info.metadata).map(([k, v]) => [k, clip(v)])),
      },
      () => fn(root),
    );
  });
}
