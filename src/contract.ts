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
}

/** The contract both pipelines implement, so the API and the harness treat them alike. */
export interface Pipeline {
  readonly name: PipelineName;
  run(question: string, options?: AskOptions): Promise<AskResult>;
}
