import { z } from "zod";

/** The four specialist routes. The router picks one (or two when unsure). */
export const RouteSchema = z.enum(["code", "docs", "debug", "general"]);
export type Route = z.infer<typeof RouteSchema>;
export const ROUTES: readonly Route[] = RouteSchema.options;

export const PipelineNameSchema = z.enum(["orchestrated", "baseline"]);
export type PipelineName = z.infer<typeof PipelineNameSchema>;

/** What kind of thing a piece of evidence is; graders and answer composers use it. */
export const EvidenceKindSchema = z.enum([
  "code", // a symbol-sized chunk of source code
  "doc", // a documentation section
  "text", // a line window of another text file (config, logs, data)
  "file", // a bounded read of a file
  "listing", // a path returned by list_files
  "symbol", // a symbol definition returned by find_symbol
  "stack_frame", // a stack frame mapped to an indexed file
  "error_site", // where an error is defined or thrown
]);
export type EvidenceKind = z.infer<typeof EvidenceKindSchema>;

/** One item of evidence returned by any tool. Paths are always relative to the repository root. */
export const EvidenceSchema = z.object({
  path: z.string(),
  startLine: z.number().int().min(1),
  endLine: z.number().int().min(1),
  text: z.string(),
  score: z.number(),
  kind: EvidenceKindSchema,
  /** Symbol name when the evidence is a symbol chunk or definition. */
  symbol: z.string().optional(),
});
export type Evidence = z.infer<typeof EvidenceSchema>;

export const CitationSchema = z.object({
  path: z.string(),
  startLine: z.number().int().min(1),
  endLine: z.number().int().min(1),
});
export type Citation = z.infer<typeof CitationSchema>;

export const ToolCallRecordSchema = z.object({
  name: z.string(),
  args: z.record(z.string(), z.unknown()),
  ms: z.number().nonnegative(),
  /** Number of evidence items the call returned (0 on error). */
  resultCount: z.number().int().nonnegative().optional(),
  /** Which node made the call (specialist name or "baseline"). */
  node: z.string().optional(),
  error: z.string().optional(),
});
export type ToolCallRecord = z.infer<typeof ToolCallRecordSchema>;

export const UsageSchema = z.object({
  inputTokens: z.number().int().nonnegative(),
  outputTokens: z.number().int().nonnegative(),
  costUsd: z.number().nonnegative(),
});
export type Usage = z.infer<typeof UsageSchema>;
export const ZERO_USAGE: Usage = Object.freeze({ inputTokens: 0, outputTokens: 0, costUsd: 0 });

export function addUsage(a: Usage, b: Usage): Usage {
  return {
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    costUsd: a.costUsd + b.costUsd,
  };
}

/** The one result shape both pipelines return; the API and the harness depend on nothing else. */
export const AskResultSchema = z.object({
  answer: z.string(),
  /** The route the router chose; null for the baseline, which does not route. */
  route: RouteSchema.nullable(),
  routeConfidence: z.number().min(0).max(1).nullable(),
  /** Who decided the route: the local classifier, the model router, or the classifier after the model failed. */
  routerSource: z.enum(["classifier", "model", "classifier_fallback"]).nullable(),
  /** Every specialist that ran: two on a low-confidence fan-out, plus `general` after a fallback. */
  routesRun: z.array(RouteSchema),
  citations: z.array(CitationSchema),
  evidence: z.array(EvidenceSchema),
  toolsCalled: z.array(ToolCallRecordSchema),
  usage: UsageSchema,
  latencyMs: z.number().nonnegative(),
  pipeline: PipelineNameSchema,
  provider: z.enum(["offline", "openai"]),
  traceId: z.string().nullable(),
  traceUrl: z.string().optional(),
  /** True when the answer says the repository does not contain what was asked. */
  notFound: z.boolean(),
  /** Recoverable problems met on the way (a retried or failed specialist, a router fallback). */
  warnings: z.array(z.string()),
  degraded: z.boolean().optional(),
  degradedReason: z.string().optional(),
});
export type AskResult = z.infer<typeof AskResultSchema>;

/** The fixed phrase every pipeline uses when the repository has no answer; graders look for it. */
export const NOT_FOUND_PHRASE = "not found in this repository";

/** Per-request options shared by both pipelines. */
export interface AskOptions {
  /** Continues a conversation: earlier turns of the thread reach the router and the specialists. */
  threadId?: string;
  /** Groups traces in Langfuse (a harness run, a batch) without making a conversation; threadId wins when both are set. */
  sessionId?: string;
  userId?: string;
  /** Harness run id, recorded in trace metadata so a trace can be found from a run log. */
  harnessRunId?: string;
  /** Repeat index in a harness run; part of the model-call cache key. */
  repeat?: number;
  signal?: AbortSignal;
  /** Receives the run's progress as it happens (steps, route, tool calls, evidence, model tokens); see RunEventSchema. */
  onEvent?: (event: RunProgressEvent) => void;
}

/** The contract both pipelines implement, so the API and the harness treat them alike. */
export interface Pipeline {
  readonly name: PipelineName;
  run(question: string, options?: AskOptions): Promise<AskResult>;
}

/**
 * What a run reports while it works, in the order it happens: the graph step starting (`step`),
 * the router's decision (`route`), each tool call as it starts and as it ends (`tool`), the paths a
 * specialist found (`evidence`) and model text as it streams (`token`, only with a streaming
 * model). A streamed or background run then ends with `answer` (the AskResult) or `error`, then
 * `done`; a job re-run after its worker died says so with `retry` first.
 */
export const RunStepSchema = z.enum(["recalling", "routing", "searching_code", "reading_docs", "debugging", "searching_repository", "synthesizing", "remembering"]);
export type RunStep = z.infer<typeof RunStepSchema>;

export const RunProgressEventSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("step"), step: RunStepSchema, label: z.string(), node: z.string() }),
  z.object({
    type: z.literal("route"),
    route: RouteSchema,
    confidence: z.number().min(0).max(1),
    reason: z.string(),
    /** The specialists the question goes to: two when the router is unsure. */
    dispatched: z.array(RouteSchema),
    source: z.enum(["classifier", "model", "classifier_fallback"]),
  }),
  /** Sent when a call starts, and again when it has finished, then with `ms`, `resultCount` and any `error`. */
  z.object({
    type: z.literal("tool"),
    status: z.enum(["started", "finished"]),
    /** The agent that made the call (a specialist's name or "baseline"). */
    node: z.string(),
    name: z.string(),
    args: z.record(z.string(), z.unknown()),
    ms: z.number().nonnegative().optional(),
    resultCount: z.number().int().nonnegative().optional(),
    error: z.string().optional(),
  }),
  z.object({ type: z.literal("evidence"), node: z.string(), paths: z.array(z.string()) }),
  z.object({ type: z.literal("token"), node: z.string(), text: z.string() }),
]);
export type RunProgressEvent = z.infer<typeof RunProgressEventSchema>;

export const RunErrorSchema = z.object({ code: z.string(), message: z.string(), retryable: z.boolean() });
export type RunError = z.infer<typeof RunErrorSchema>;

/** How a run ended. */
export const RunStatusSchema = z.enum(["succeeded", "failed", "cancelled"]);

export const RunEventSchema = z.discriminatedUnion("type", [
  ...RunProgressEventSchema.options,
  z.object({ type: z.literal("retry"), attempt: z.number().int().min(1), reason: z.string() }),
  z.object({ type: z.literal("answer"), result: AskResultSchema }),
  z.object({ type: z.literal("error"), ...RunErrorSchema.shape }),
  z.object({ type: z.literal("done"), status: RunStatusSchema }),
]);
export type RunEvent = z.infer<typeof RunEventSchema>;
