import { Overwrite, ReducedValue, StateSchema } from "@langchain/langgraph";
import { z } from "zod";
import { CitationSchema, EvidenceSchema, RouteSchema, ToolCallRecordSchema, UsageSchema } from "../src/contract.js";
import { appendTurns, ThreadTurnSchema } from "../src/store/thread-turns.js";
import { FollowUpSchema } from "../specialists/shared/follow-up.js";
import { AgentOutputSchema, TurnSchema, type Turn } from "../specialists/types.js";

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

/**
 * The state of one question through either pipeline. With a thread, the checkpointer keeps it
 * between questions: `turns` is the thread's memory and grows; every other channel belongs to
 * one run and is reset by the run's input (`runInput`), so lists such as `evidence` never carry
 * a previous question's items.
 */
export const AskState = new StateSchema({
  /** The thread's answered questions, oldest first (at most THREAD_TURN_LIMIT). Written once per run, by `remember`. */
  turns: new ReducedValue(z.array(ThreadTurnSchema).default(() => []), { inputSchema: z.array(ThreadTurnSchema), reducer: appendTurns }),
  question: z.string(),
  threadId: z.string().default(""),
  /** The newest turns that fit THREAD_CONTEXT_TOKENS: what the router and the agents see of the conversation. */
  history: z.array(TurnSchema).default(() => []),
  /** The question with the subject of the turn it follows, for offline routing and retrieval; null when it stands alone. */
  followUp: FollowUpSchema.nullable().default(null),
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

/**
 * The input of one run: the question, and every per-run channel back at its empty value. A
 * thread's checkpoint holds the previous run's values, and the append reducers would add to them:
 * `Overwrite` replaces instead. Only `turns` is left alone.
 */
export function runInput(question: string, threadId = "", history: readonly Turn[] = []): AskStateUpdate {
  return {
    question,
    threadId,
    history: [...history],
    followUp: null,
    route: null,
    routeConfidence: null,
    routeReason: "",
    routerSource: null,
    dispatched: [],
    evidence: new Overwrite([]),
    toolsCalled: new Overwrite([]),
    specialistOutputs: new Overwrite([]),
    finalAnswer: "",
    citations: [],
    notFound: false,
    usage: new Overwrite([]),
    failures: new Overwrite([]),
    warnings: new Overwrite([]),
  };
}
