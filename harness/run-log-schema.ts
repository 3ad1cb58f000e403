import { z } from "zod";
import {
  CitationSchema,
  EvidenceKindSchema,
  PipelineNameSchema,
  RouteSchema,
  ToolCallRecordSchema,
  UsageSchema,
} from "../src/contract.js";

export const RunErrorSchema = z.object({ code: z.string(), message: z.string() });

/** One line of a run log: one question, one pipeline, one repeat. */
export const RunRecordSchema = z.object({
  runId: z.string(),
  questionId: z.string(),
  pipeline: PipelineNameSchema,
  repeat: z.number().int().min(0),
  question: z.string(),
  route: RouteSchema.nullable(),
  routeConfidence: z.number().nullable(),
  routerSource: z.enum(["classifier", "model", "classifier_fallback"]).nullable().default(null),
  routesRun: z.array(RouteSchema),
  answer: z.string(),
  citations: z.array(CitationSchema),
  /** Evidence the pipeline gathered (text kept so graders can check claims against it). */
  evidence: z.array(
    z.object({
      path: z.string(),
      startLine: z.number().int(),
      endLine: z.number().int(),
      kind: EvidenceKindSchema,
      score: z.number(),
      text: z.string(),
    }),
  ),
  evidencePaths: z.array(z.string()),
  toolsCalled: z.array(ToolCallRecordSchema),
  usage: UsageSchema,
  latencyMs: z.number().nonnegative(),
  traceId: z.string().nullable(),
  error: RunErrorSchema.nullable(),
  startedAt: z.string(),
});
export type RunRecord = z.infer<typeof RunRecordSchema>;

/** The run log's companion file: everything needed to reproduce or audit a run. */
export const RunManifestSchema = z.object({
  runId: z.string(),
  status: z.enum(["running", "completed", "interrupted"]),
  gitCommit: z.string().nullable(),
  /** Tracked files had uncommitted changes when the run started (null: unknown). */
  gitDirty: z.boolean().nullable().default(null),
  benchmark: z.object({ path: z.string(), sha256: z.string(), items: z.number().int().nonnegative() }),
  repoPath: z.string().nullable(),
  pipelines: z.array(PipelineNameSchema).min(1),
  repeats: z.number().int().min(1),
  config: z.object({
    mode: z.enum(["in-process", "http"]),
    url: z.string().nullable(),
    concurrency: z.number().int().min(1),
    limit: z.number().int().min(1).nullable(),
    noCache: z.boolean(),
    timeoutMs: z.number().int().min(1),
  }),
  /** "offline" | "openai" as reported by the first successful result, or by the injected description. */
  provider: z.string().nullable(),
  /** Model names by role (e.g. router, specialist, judge); empty when nothing described them. */
  models: z.record(z.string(), z.string()),
  nodeVersion: z.string(),
  startedAt: z.string(),
  endedAt: z.string().nullable(),
  /** Counts at the end of the last session that wrote this manifest. */
  counts: z
    .object({ planned: z.number().int(), completed: z.number().int(), errors: z.number().int() })
    .nullable(),
});
export type RunManifest = z.infer<typeof RunManifestSchema>;

/** File names inside a run directory; every command finds its inputs through these. */
export const RUN_LOG_FILE = "runs.jsonl";
export const MANIFEST_FILE = "manifest.json";
export const GRADED_LOG_FILE = "graded.jsonl";
