import { ReducedValue, StateSchema } from "@langchain/langgraph";
import { z } from "zod";
import { CitationSchema, EvidenceSchema, RouteSchema, ToolCallRecordSchema, UsageSchema } from "../src/contract.js";
import { AgentOutputSchema, TurnSchema } from "../specialists/types.js";

/** A list that parallel branches append to: concurrent writes are merged, never conflicting. */
function appendedList<T extends z.ZodType>(item: T) {
  return new ReducedValue(z.array(item).default(() => []), {
    inputSchema: z.array(item),
    reducer: (current: z.infer<T>[], next: z.infer<T>[]) => [...current, ...next],
  });
}

export const NodeFailureSchema = z.object({
  node: z.string(),
  attempts: z.number().int().min(1),
  error: z.string(),
  /** What the graph did about it: a retry that then succeeded, a fallback to `general`, or nothing left to try. */
  outcome: z.enum(["retried", "fell_back", "failed"]),
});
export type NodeFailure = z.infer<typeof NodeFailureSchema>;

export const NodeUsageSchema = UsageSchema.extend({ node: z.string(), model: z.string().nullable() });

/** The state of one question through either pipeline. */
export const AskState = new StateSchema({
  question: z.string(),
  threadId: z.string().default(""),
  history: z.array(TurnSchema).default(() => []),
  route: RouteSchema.nullable().default(null),
  routeConfidence: z.number().min(0).max(1).nullable().default(null),
  routeReason: z.string().default(""),
  routerSource: z.enum(["classifier", "model", "classifier_fallback"]).nullable().default(null),
  /** The specialists the router sent the question to (two on a low-confidence fan-out). */
  dispatched: z.array(RouteSchema).default(() => []),
  evidence: appendedList(EvidenceSchema),
  toolsCalled: appendedList(ToolCallRecordSchema),
  specialistOutputs: appendedList(AgentOutputSchema),
  finalAnswer: z.string().default(""),
  citations: z.array(CitationSchema).default(() => []),
  notFound: z.boolean().default(false),
  usage: appendedList(NodeUsageSchema),
  failures: appendedList(NodeFailureSchema),
  warnings: appendedList(z.string()),
});

export type AskStateValue = typeof AskState.State;
export type AskStateUpdate = typeof AskState.Update;
