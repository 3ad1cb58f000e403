import type { AskResult, PipelineName } from "../../src/contract.js";
import type { RunRecord } from "../run-log-schema.js";

/** Identifies one cell of a run: a question, a pipeline, a repeat. */
export interface RecordCoordinates {
  runId: string;
  questionId: string;
  pipeline: PipelineName;
  repeat: number;
  question: string;
  startedAt: string;
}

export function recordKey(record: { questionId: string; pipeline: string; repeat: number }): string {
  return `${record.questionId}\u0000${record.pipeline}\u0000${record.repeat}`;
}

/** An error a pipeline adapter raises with a stable code for the run log (http_503, invalid_result, ...). */
export class PipelineCallError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "PipelineCallError";
  }
}

export function toRunRecord(coordinates: RecordCoordinates, result: AskResult): RunRecord {
  return {
    ...coordinates,
    route: result.route,
    routeConfidence: result.routeConfidence,
    routerSource: result.routerSource,
    routesRun: result.routesRun,
    answer: result.answer,
    citations: result.citations,
    evidence: result.evidence.map(({ path, startLine, endLine, kind, score, text }) => ({
      path,
      startLine,
      endLine,
      kind,
      score,
      text,
    })),
    evidencePaths: [...new Set(result.evidence.map((item) => item.path))],
    toolsCalled: result.toolsCalled,
    usage: result.usage,
    latencyMs: result.latencyMs,
    traceId: result.traceId,
    error: null,
  };
}

export function toErrorRecord(
  coordinates: RecordCoordinates,
  error: { code: string; message: string },
  latencyMs: number,
): RunRecord {
  return {
    ...coordinates,
    route: null,
    routeConfidence: null,
    routerSource: null,
    routesRun: [],
    answer: "",
    citations: [],
    evidence: [],
    evidencePaths: [],
    toolsCalled: [],
    usage: { inputTokens: 0, outputTokens: 0, costUsd: 0 },
    latencyMs,
    traceId: null,
    error,
  };
}

/** Maps anything a pipeline throws to the `{code, message}` stored in the run log. */
export function describeFailure(error: unknown): { code: string; message: string } {
  if (error instanceof PipelineCallError) return { code: error.code, message: error.message };
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { code: typeof code === "string" && code !== "" ? code : "pipeline_error", message: error.message || error.name };
  }
  return { code: "pipeline_error", message: String(error) };
}
