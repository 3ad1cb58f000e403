/**
 * Builders for hand-made benchmark items, pipeline results and run records, used by the tests
 * (tests/harness-*.test.ts) and by the demo report generator. Not used by the harness itself.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { AskOptions, AskResult, Pipeline, PipelineName } from "../../src/contract.js";
import type { BenchmarkItem } from "../benchmark-schema.js";
import type { RunRecord } from "../run-log-schema.js";

export function makeItem(overrides: Partial<BenchmarkItem> & { id: string }): BenchmarkItem {
  return {
    question: `Question ${overrides.id}?`,
    route: "code",
    expected_files: ["src/retry.ts"],
    expected_facts: ["maxAttempts"],
    answerable: true,
    tags: [],
    ...overrides,
  };
}

export function makeResult(overrides: Partial<AskResult> = {}): AskResult {
  const pipeline = overrides.pipeline ?? "baseline";
  return {
    answer: "Retries use maxAttempts (src/retry.ts:10-12).",
    route: pipeline === "orchestrated" ? "code" : null,
    routeConfidence: pipeline === "orchestrated" ? 0.9 : null,
    routerSource: pipeline === "orchestrated" ? "classifier" : null,
    routesRun: pipeline === "orchestrated" ? ["code"] : [],
    citations: [{ path: "src/retry.ts", startLine: 10, endLine: 12 }],
    evidence: [{ path: "src/retry.ts", startLine: 1, endLine: 40, text: "export const maxAttempts = 3;", score: 1, kind: "code" }],
    toolsCalled: [{ name: "search_code", args: { query: "retry" }, ms: 3, resultCount: 1 }],
    usage: { inputTokens: 100, outputTokens: 20, costUsd: 0.001 },
    latencyMs: 100,
    pipeline,
    provider: "offline",
    traceId: null,
    notFound: false,
    warnings: [],
    ...overrides,
  };
}

export function makeRecord(overrides: Partial<RunRecord> & { questionId: string }): RunRecord {
  const result = makeResult({ pipeline: overrides.pipeline ?? "baseline" });
  return {
    runId: "run-test",
    pipeline: result.pipeline,
    repeat: 0,
    question: `Question ${overrides.questionId}?`,
    route: result.route,
    routeConfidence: result.routeConfidence,
    routerSource: result.routerSource,
    routesRun: result.routesRun,
    answer: result.answer,
    citations: result.citations,
    evidence: result.evidence.map(({ path, startLine, endLine, kind, score, text }) => ({ path, startLine, endLine, kind, score, text })),
    evidencePaths: [...new Set(result.evidence.map((e) => e.path))],
    toolsCalled: result.toolsCalled,
    usage: result.usage,
    latencyMs: result.latencyMs,
    traceId: null,
    error: null,
    startedAt: "2025-01-01T00:00:00.000Z",
    ...overrides,
  };
}

/** A pipeline whose answer is computed by `answer`; it counts calls so tests can assert what ran. */
export function fakePipeline(
  name: PipelineName,
  answer: (question: string, options: AskOptions | undefined) => Promise<Partial<AskResult>> | Partial<AskResult>,
): Pipeline & { calls: Array<{ question: string; repeat: number | undefined }> } {
  const calls: Array<{ question: string; repeat: number | undefined }> = [];
  return {
    name,
    calls,
    async run(question: string, options?: AskOptions): Promise<AskResult> {
      calls.push({ question, repeat: options?.repeat });
      return makeResult({ ...(await answer(question, options)), pipeline: name });
    },
  };
}

export async function writeBenchmark(directory: string, items: readonly BenchmarkItem[], file = "bench.jsonl"): Promise<string> {
  await mkdir(directory, { recursive: true });
  const path = join(directory, file);
  await writeFile(path, items.map((item) => JSON.stringify(item)).join("\n") + "\n");
  return path;
}
