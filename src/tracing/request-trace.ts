import { propagateAttributes } from "@langfuse/tracing";
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

const MAX_ATTRIBUTE_LENGTH = 200;
const clip = (value: string) => value.slice(0, MAX_ATTRIBUTE_LENGTH);

/**
 * One trace per request: a root agent observation named after the pipeline, with the trace's
 * session, user, tags and metadata propagated to every observation created inside it.
 */
export function withRequestTrace<T>(info: RequestTraceInfo, fn: (root: Span) => Promise<T>): Promise<T> {
  return withSpan(info.name, "agent", (root) => {
    root.update({ input: { question: info.question } });
    return propagateAttributes(
      {
        traceName: info.name,
        ...(info.sessionId ? { sessionId: clip(info.sessionId) } : {}),
        ...(info.userId ? { userId: clip(info.userId) } : {}),
        tags: info.tags.map(clip),
        metadata: Object.fromEntries(Object.entries(info.metadata).map(([k, v]) => [k, clip(v)])),
      },
      () => fn(root),
    );
  });
}
