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
