import { createHash } from "node:crypto";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { PipelineName } from "../src/contract.js";
import { gradeCommand } from "../harness/commands/grade.js";
import type { CommandIO } from "../harness/commands/io.js";
import { runCommand, RunOptionsSchema } from "../harness/commands/run.js";
import { GradedRecordSchema, type GradedRecord } from "../harness/grading/graded-record-schema.js";
import type { Judge } from "../harness/grading/judge.js";
import { DATASET_LINKS_FILE, DatasetLinksSchema } from "../harness/langfuse/dataset-links.js";
import { langfuseAvailability, langfuseAvailabilityFromEnvironment, type LangfuseAvailability } from "../harness/langfuse/settings.js";
import { closedPortUrl, startFakeLangfuse, type FakeLangfuse, type RecordedRequest } from "../harness/langfuse/testing/fake-langfuse.js";
import { fakePipeline, makeItem, writeBenchmark } from "../harness/testing/builders.js";

/**
 * `grade` puts scores on the records' traces and `run` records dataset runs, both through
 * @langfuse/client against a Langfuse stand-in on 127.0.0.1 that records every request.
 */

const PUBLIC_KEY = "pk-lf-harness-test";
const SECRET_KEY = "sk-lf-harness-secret";
const BASIC_AUTH = `Basic ${Buffer.from(`${PUBLIC_KEY}:${SECRET_KEY}`).toString("base64")}`;

const ITEMS = [
  makeItem({ id: "q-code", route: "code", expected_files: ["src/retry.ts"], expected_facts: ["maxAttempts"], tags: ["retry"] }),
  makeItem({ id: "q-docs", route: "docs", expected_files: ["docs/retry.md"], expected_facts: ["backoff", "jitter"], tags: ["docs", "retry"] }),
  makeItem({ id: "q-none", route: "general", expected_files: [], expected_facts: [], answerable: false, tags: [] }),
];

/** The trace id a pipeline reports for one question, pipeline and repeat (32 hex, like OTel's). */
const traceIdOf = (pipeline: string, question: string, repeat: number) => createHash("md5").update(`${pipeline}|${question}|${repeat}`).digest("hex");
const questionOf = (id: string) => ITEMS.find((item) => item.id === id)?.question as string;

/**
 * Scripted answers. orchestrated: q-code correct (repeat 0) / wrong (repeat 1), q-docs routed to
 * code and half the facts, q-none "not found". baseline: q-code correct, q-docs half the facts,
 * q-none throws (an error record, which has no trace).
 */
function scriptedPipeline(name: PipelineName) {
  return fakePipeline(name, (question, options) => {
    const repeat = options?.repeat ?? 0;
    const traceId = traceIdOf(name, question, repeat);
    if (question === questionOf("q-code")) {
      return repeat === 1 && name === "orchestrated" ? { traceId, answer: "Retries are configured somewhere (src/retry.ts:10-12)." } : { traceId };
    }
    if (question === questionOf("q-docs")) {
      return {
        traceId,
        answer: "Retries use exponential backoff (docs/retry.md:1-5).",
        citations: [{ path: "docs/retry.md", startLine: 1, endLine: 5 }],
        evidence: [{ path: "docs/retry.md", startLine: 1, endLine: 20, text: "Retries use exponential backoff.", score: 1, kind: "doc" as const }],
        toolsCalled: [{ name: "search_docs", args: { query: "retry" }, ms: 2, resultCount: 1 }],
        ...(name === "orchestrated" ? { route: "code" as const, routesRun: ["code" as const] } : {}),
      };
    }
    if (name === "baseline") throw new Error("baseline exploded");
    return { traceId, answer: "That is not found in this repository.", citations: [], evidence: [], toolsCalled: [], notFound: true, route: "general" as const, routesRun: ["general" as const] };
  });
}

function captureIO(): CommandIO & { outLines: string[]; errLines: string[] } {
  const outLines: string[] = [];
  const errLines: string[] = [];
  return { outLines, errLines, out: (m) => void outLines.push(m), err: (m) => void errLines.push(m) };
}

function keysFor(url: string, extra: { environment?: string } = {}): LangfuseAvailability {
  // No retries: a stand-in that fails fails every attempt, and backoff would only slow the test.
  return langfuseAvailability({ publicKey: PUBLIC_KEY, secretKey: SECRET_KEY, baseUrl: url, console: false, ...extra }, { maxRetries: 0, requestTimeoutMs: 5_000 });
}

let dir: string;
let benchPath: string;
let langfuse: FakeLangfuse | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "harness-langfuse-"));
  benchPath = await writeBenchmark(dir, ITEMS, "retry-bench.jsonl");
});

afterEach(async () => {
  await langfuse?.close();
  langfuse = undefined;
});

async function runBench(availability: LangfuseAvailability, extra: Record<string, unknown> = {}) {
  const io = captureIO();
  const options = RunOptionsSchema.parse({ bench: benchPath, repo: dir, pipeline: "both", repeats: 2, out: join(dir, "run"), progress: false, ...extra });
  const summary = await runCommand(options, io, {
    langfuse: availability,
    createFactory: () => ({ factory: async (name) => scriptedPipeline(name) }),
  });
  return { summary, io };
}

async function grade(runLogPath: string, availability: LangfuseAvailability, judge?: Judge) {
  const io = captureIO();
  const result = await gradeCommand({ runlog: runLogPath, judge: judge !== undefined, labelFrom: "rule" }, io, { langfuse: availability, ...(judge ? { judge } : {}) });
  const graded = (await readFile(result.gradedLogPath, "utf8"))
    .trim()
    .split("\n")
    .map((line) => GradedRecordSchema.parse(JSON.parse(line)));
  return { io, graded };
}

type ScoreBody = { id: string; traceId?: string; datasetRunId?: string; name: string; value: number | string; dataType: string; comment?: string; metadata?: Record<string, unknown>; environment?: string };
const bodies = (requests: RecordedRequest[]) => requests.map((request) => request.body as ScoreBody);
const traceScoresOf = (scores: ScoreBody[], traceId: string) => Object.fromEntries(scores.filter((s) => s.traceId === traceId).map((s) => [s.name, s]));
const find = (graded: GradedRecord[], questionId: string, pipeline: PipelineName, repeat: number) =>
  graded.find((r) => r.questionId === questionId && r.pipeline === pipeline && r.repeat === repeat) as GradedRecord;

describe("grade → scores on traces", () => {
  it("posts each traced record's scores to /api/public/scores with names, types, values, trace ids, comments and metadata", async () => {
    const { summary } = await runBench({ off: "test" });
    langfuse = await startFakeLangfuse();
    const { io, graded } = await grade(summary.runLogPath, keysFor(langfuse.url, { environment: "harness-ci" }));

    const scoreRequests = langfuse.to("POST", "/api/public/scores");
    expect(scoreRequests.length).toBeGreaterThan(0);
    // A reachability probe, then trace scores only (no dataset runs were linked).
    expect(new Set(langfuse.requests.map((r) => `${r.method} ${r.path}`))).toEqual(new Set(["GET /api/public/health", "POST /api/public/scores"]));
    for (const request of scoreRequests) expect(request.authorization).toBe(BASIC_AUTH);
    const scores = bodies(scoreRequests);

    // A correct orchestrated answer: every score, with exact values.
    const codeRecord = find(graded, "q-code", "orchestrated", 0);
    expect(codeRecord.traceId).toBe(traceIdOf("orchestrated", questionOf("q-code"), 0));
    expect(codeRecord.label).toBe("correct");
    const code = traceScoresOf(scores, codeRecord.traceId as string);
    expect(Object.keys(code).sort()).toEqual(["answer_grade", "fact_coverage", "needless_tool_calls", "retrieval_hit", "retrieval_recall", "route_correct", "trace_label"]);
    expect(code.trace_label).toMatchObject({ dataType: "CATEGORICAL", value: "correct", comment: codeRecord.labelReason });
    expect(code.answer_grade).toMatchObject({ dataType: "CATEGORICAL", value: "correct" });
    expect(code.fact_coverage).toMatchObject({ dataType: "NUMERIC", value: 1 });
    expect(code.retrieval_hit).toMatchObject({ dataType: "BOOLEAN", value: 1 });
    expect(code.retrieval_recall).toMatchObject({ dataType: "NUMERIC", value: 1 });
    expect(code.route_correct).toMatchObject({ dataType: "BOOLEAN", value: 1 });
    expect(code.needless_tool_calls).toMatchObject({ dataType: "NUMERIC", value: 0 });
    for (const score of Object.values(code)) {
      expect(score.metadata).toMatchObject({ runId: summary.runId, questionId: "q-code", pipeline: "orchestrated", repeat: 0 });
      expect(score.environment).toBe("harness-ci");
    }

    // Routed to the wrong specialist with half the facts.
    const docsRecord = find(graded, "q-docs", "orchestrated", 1);
    expect(docsRecord.label).toBe("wrong_route");
    const docs = traceScoresOf(scores, docsRecord.traceId as string);
    expect(docs.trace_label).toMatchObject({ value: "wrong_route", comment: docsRecord.labelReason });
    expect(docs.answer_grade).toMatchObject({ value: "partial" });
    expect(docs.fact_coverage).toMatchObject({ value: 0.5 });
    expect(docs.route_correct).toMatchObject({ dataType: "BOOLEAN", value: 0 });
    expect(docs.trace_label?.metadata).toMatchObject({ questionId: "q-docs", pipeline: "orchestrated", repeat: 1 });

    // The baseline does not route; an unanswerable item has no facts or files to score.
    const baselineDocs = traceScoresOf(scores, find(graded, "q-docs", "baseline", 0).traceId as string);
    expect(baselineDocs.route_correct).toBeUndefined();
    expect(baselineDocs.trace_label).toBeDefined();
    const none = traceScoresOf(scores, find(graded, "q-none", "orchestrated", 0).traceId as string);
    expect(Object.keys(none).sort()).toEqual(["answer_grade", "needless_tool_calls", "route_correct", "trace_label"]);

    // Every traced record is scored, the errored (untraced) ones are not, and every score has a trace.
    const traced = graded.filter((record) => record.traceId !== null);
    expect(traced).toHaveLength(10);
    expect(new Set(scores.map((s) => s.traceId))).toEqual(new Set(traced.map((record) => record.traceId)));
    for (const record of traced) expect(traceScoresOf(scores, record.traceId as string).trace_label?.value).toBe(record.label);
    expect(new Set(scores.map((s) => s.id)).size).toBe(scores.length);
    expect(io.outLines).toContain(`langfuse: ${scores.length} score(s) on 10 trace(s) at ${langfuse.url}; 2 record(s) without a trace id (errors, or tracing off) not scored`);
    expect(io.errLines).toEqual([]);
  });

  it("sends the same score ids when the run is graded again, so Langfuse updates instead of duplicating", async () => {
    const { summary } = await runBench({ off: "test" });
    langfuse = await startFakeLangfuse();
    await grade(summary.runLogPath, keysFor(langfuse.url));
    const first = bodies(langfuse.to("POST", "/api/public/scores"));
    langfuse.requests.length = 0;
    await grade(summary.runLogPath, keysFor(langfuse.url));
    const second = bodies(langfuse.to("POST", "/api/public/scores"));
    const idsByKey = (scores: ScoreBody[]) => new Map(scores.map((s) => [`${s.traceId}/${s.name}`, s.id]));
    expect(idsByKey(second)).toEqual(idsByKey(first));
    expect(first[0]?.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it("adds the judge's verdict as judge_grade, explained by the judge's rationale", async () => {
    const { summary } = await runBench({ off: "test" });
    langfuse = await startFakeLangfuse();
    const judge: Judge = { model: "fake-judge", judge: async ({ answer }) => ({ verdict: answer.includes("maxAttempts") ? "correct" : "wrong", rationale: "checked by the fake judge" }) };
    const { graded } = await grade(summary.runLogPath, keysFor(langfuse.url), judge);
    const scores = bodies(langfuse.to("POST", "/api/public/scores"));
    const code = traceScoresOf(scores, find(graded, "q-code", "baseline", 0).traceId as string);
    expect(code.judge_grade).toMatchObject({ dataType: "CATEGORICAL", value: "correct", comment: "checked by the fake judge" });
    expect(code.judge_grade?.metadata).toMatchObject({ judgeModel: "fake-judge" });
    const docs = traceScoresOf(scores, find(graded, "q-docs", "baseline", 0).traceId as string);
    expect(docs.judge_grade).toMatchObject({ value: "wrong" });
  });
});

describe("run → dataset, items and dataset runs", () => {
  it("upserts the dataset and its items and links every traced record to its (pipeline, repeat) dataset run", async () => {
    langfuse = await startFakeLangfuse();
    const { summary, io } = await runBench(keysFor(langfuse.url));

    const datasets = langfuse.to("POST", "/api/public/v2/datasets");
    expect(datasets).toHaveLength(1);
    expect(datasets[0]?.authorization).toBe(BASIC_AUTH);
    expect(datasets[0]?.body).toMatchObject({ name: "harness-retry-bench", metadata: { benchmarkSha256: expect.stringMatching(/^[0-9a-f]{64}$/), items: 3 } });

    const items = langfuse.to("POST", "/api/public/dataset-items").map((request) => request.body as Record<string, unknown>);
    expect(items.map((item) => item.id).sort()).toEqual(["harness-retry-bench:q-code", "harness-retry-bench:q-docs", "harness-retry-bench:q-none"]);
    expect(items.find((item) => item.id === "harness-retry-bench:q-docs")).toEqual({
      datasetName: "harness-retry-bench",
      id: "harness-retry-bench:q-docs",
      input: questionOf("q-docs"),
      expectedOutput: { route: "docs", expected_files: ["docs/retry.md"], expected_facts: ["backoff", "jitter"], answerable: true },
      metadata: { benchmarkItemId: "q-docs", tags: ["docs", "retry"] },
    });

    // 12 records; the baseline's two q-none records errored and have no trace to link.
    const links = langfuse.to("POST", "/api/public/dataset-run-items").map((request) => request.body as Record<string, unknown>);
    expect(links).toHaveLength(10);
    const expected = (["orchestrated", "baseline"] as const).flatMap((pipeline) =>
      [0, 1].flatMap((repeat) =>
        ITEMS.filter((item) => !(pipeline === "baseline" && item.id === "q-none")).map((item) => ({
          runName: `${summary.runId}-${pipeline}-r${repeat}`,
          datasetItemId: `harness-retry-bench:${item.id}`,
          traceId: traceIdOf(pipeline, item.question, repeat),
        })),
      ),
    );
    const key = (link: Record<string, unknown>) => `${String(link.runName)}|${String(link.datasetItemId)}|${String(link.traceId)}`;
    expect(links.map(key).sort()).toEqual(expected.map(key).sort());
    expect(links[0]?.metadata).toMatchObject({ harnessRunId: summary.runId });

    // The dataset run ids Langfuse answered are kept for `grade`.
    const saved = DatasetLinksSchema.parse(JSON.parse(await readFile(join(summary.outDir, DATASET_LINKS_FILE), "utf8")));
    expect(saved).toMatchObject({ runId: summary.runId, datasetName: "harness-retry-bench", baseUrl: langfuse.url });
    expect(saved.datasetRuns).toHaveLength(4);
    for (const run of saved.datasetRuns) expect(run.datasetRunId).toBe(langfuse.datasetRunIdFor(run.runName));
    expect(io.outLines).toContain(
      "langfuse: dataset harness-retry-bench: 3 item(s) upserted, 10 trace(s) linked in 4 dataset run(s); 2 record(s) without a trace id (errors, or tracing off) not linked",
    );
  });

  it("uses --langfuse-dataset NAME, and --no-langfuse-dataset sends nothing", async () => {
    langfuse = await startFakeLangfuse();
    await runBench(keysFor(langfuse.url), { langfuseDataset: "repoqa-heldout" });
    expect(langfuse.to("POST", "/api/public/v2/datasets")[0]?.body).toMatchObject({ name: "repoqa-heldout" });
    expect(langfuse.to("POST", "/api/public/dataset-items").every((r) => String((r.body as { id: string }).id).startsWith("repoqa-heldout:"))).toBe(true);

    langfuse.requests.length = 0;
    const { io } = await runBench(keysFor(langfuse.url), { langfuseDataset: false, out: join(dir, "run-2") });
    expect(langfuse.requests).toEqual([]);
    expect(io.errLines.join("\n")).not.toMatch(/langfuse/);
  });

  it("then grade puts the aggregate scores of each dataset run on it by datasetRunId", async () => {
    langfuse = await startFakeLangfuse();
    const { summary } = await runBench(keysFor(langfuse.url));
    langfuse.requests.length = 0;
    const { io } = await grade(summary.runLogPath, keysFor(langfuse.url));

    const runScores = bodies(langfuse.to("POST", "/api/public/scores")).filter((score) => score.datasetRunId !== undefined);
    for (const score of runScores) {
      expect(score.traceId).toBeUndefined();
      expect(score.dataType).toBe("NUMERIC");
    }
    const scoreOf = (pipeline: string, repeat: number, name: string) =>
      runScores.find((s) => s.datasetRunId === langfuse?.datasetRunIdFor(`${summary.runId}-${pipeline}-r${repeat}`) && s.name === name);
    // orchestrated: q-code right only in repeat 0, q-docs wrong route, q-none right.
    expect(scoreOf("orchestrated", 0, "accuracy")?.value).toBeCloseTo(2 / 3, 10);
    expect(scoreOf("orchestrated", 1, "accuracy")?.value).toBeCloseTo(1 / 3, 10);
    expect(scoreOf("orchestrated", 0, "route_accuracy")?.value).toBeCloseTo(2 / 3, 10);
    expect(scoreOf("orchestrated", 0, "accuracy")?.metadata).toMatchObject({ runId: summary.runId, pipeline: "orchestrated", repeat: 0 });
    // baseline: q-code right, q-docs partial, q-none errored (a failure).
    expect(scoreOf("baseline", 0, "accuracy")?.value).toBeCloseTo(1 / 3, 10);
    expect(scoreOf("baseline", 0, "evidence_hit_rate")?.value).toBe(1);
    expect(scoreOf("baseline", 0, "route_accuracy")).toBeUndefined();
    expect(new Set(runScores.map((s) => s.id)).size).toBe(runScores.length);
    expect(io.outLines).toContain(`langfuse: ${runScores.length} aggregate score(s) on 4 dataset run(s) of dataset harness-retry-bench`);
  });
});

describe("without keys", () => {
  it("sends nothing and says so once per command", async () => {
    langfuse = await startFakeLangfuse();
    // The base URL is set, the keys are not: the configuration path decides, as on the command line.
    const noKeys = langfuseAvailabilityFromEnvironment({ LANGFUSE_BASE_URL: langfuse.url });
    const { summary, io: runIO } = await runBench(noKeys);
    const { io: gradeIO } = await grade(summary.runLogPath, noKeys);
    expect(langfuse.requests).toEqual([]);
    const notice = (lines: string[]) => lines.filter((line) => /\blangfuse:/.test(line));
    expect(notice(runIO.errLines)).toEqual(["langfuse: off (LANGFUSE_PUBLIC_KEY and LANGFUSE_SECRET_KEY not set); the run is not recorded as a Langfuse dataset run"]);
    expect(notice(gradeIO.errLines)).toEqual(["langfuse: off (LANGFUSE_PUBLIC_KEY and LANGFUSE_SECRET_KEY not set); scores are not sent to Langfuse"]);
    expect(notice([...runIO.outLines, ...gradeIO.outLines])).toEqual([]);
  });

  it("names the missing key when only one is set", () => {
    expect(langfuseAvailabilityFromEnvironment({ LANGFUSE_PUBLIC_KEY: PUBLIC_KEY })).toEqual({ off: "LANGFUSE_SECRET_KEY not set" });
    const on = langfuseAvailabilityFromEnvironment({ LANGFUSE_PUBLIC_KEY: PUBLIC_KEY, LANGFUSE_SECRET_KEY: SECRET_KEY, LANGFUSE_BASE_URL: "http://127.0.0.1:3000/" });
    expect(on).toMatchObject({ settings: { publicKey: PUBLIC_KEY, secretKey: SECRET_KEY, baseUrl: "http://127.0.0.1:3000" } });
  });
});

describe("a failing Langfuse never fails the command", () => {
  it("grade: HTTP 500 on every request is a warning; the graded log and reports are written; sending stops early", async () => {
    const { summary } = await runBench({ off: "test" });
    langfuse = await startFakeLangfuse({ failWith: 500 });
    const { io, graded } = await grade(summary.runLogPath, keysFor(langfuse.url));
    expect(graded).toHaveLength(12);
    expect(io.outLines.some((line) => line.startsWith("graded log: "))).toBe(true);
    const warning = io.errLines.find((line) => line.startsWith("warning: langfuse: trace scores: 0 sent"));
    expect(warning).toMatch(/^warning: langfuse: trace scores: 0 sent, \d+ failed \(HTTP 500: \{"error":"stand-in failure"\}\), \d+ not attempted; stopped: 5 requests in a row failed;/);
    expect(warning).toMatch(/graded\.jsonl and the reports are complete$/);
    // ~60 scores were due; sending stopped after the fifth failure: at most 8 in flight plus 4 started meanwhile.
    const attempts = langfuse.to("POST", "/api/public/scores").length;
    expect(attempts).toBeGreaterThanOrEqual(5);
    expect(attempts).toBeLessThanOrEqual(12);
  });

  it("run: HTTP 500 when creating the dataset is a warning, nothing else is attempted, the run log stands", async () => {
    langfuse = await startFakeLangfuse({ failWith: 500 });
    const { summary, io } = await runBench(keysFor(langfuse.url));
    expect(summary).toMatchObject({ executed: 12, interrupted: false });
    expect(langfuse.requests.map((r) => `${r.method} ${r.path}`)).toEqual(["GET /api/public/health", "POST /api/public/v2/datasets"]);
    expect(io.errLines).toContain("warning: langfuse: could not create dataset harness-retry-bench: HTTP 500: {\"error\":\"stand-in failure\"}; the run log is complete");
    await expect(readFile(join(summary.outDir, DATASET_LINKS_FILE), "utf8")).rejects.toThrow(/ENOENT/);
  });

  it("rejected keys (HTTP 401) stop sending at once, with a message that names the keys and not their values", async () => {
    const { summary } = await runBench({ off: "test" });
    langfuse = await startFakeLangfuse({ failWith: 401 });
    const { io } = await grade(summary.runLogPath, keysFor(langfuse.url));
    const warning = io.errLines.find((line) => line.startsWith("warning: langfuse: trace scores:")) as string;
    expect(warning).toContain(`stopped: ${langfuse.url} rejected the keys (HTTP 401); check LANGFUSE_PUBLIC_KEY and LANGFUSE_SECRET_KEY`);
    expect(warning).not.toContain(SECRET_KEY);
    // Only the first wave of concurrent requests went out.
    expect(langfuse.to("POST", "/api/public/scores").length).toBeLessThanOrEqual(8);
  });

  it("an unreachable Langfuse is one warning, for run and for grade", async () => {
    const url = await closedPortUrl();
    const port = new URL(url).port;
    const { summary, io: runIO } = await runBench(keysFor(url));
    expect(summary.executed).toBe(12);
    expect(runIO.errLines).toContain(`warning: langfuse: ${url} is unreachable (connect ECONNREFUSED 127.0.0.1:${port}), dataset run not recorded; the run log is complete`);
    const { io: gradeIO, graded } = await grade(summary.runLogPath, keysFor(url));
    expect(graded).toHaveLength(12);
    expect(gradeIO.errLines).toEqual([`warning: langfuse: ${url} is unreachable (connect ECONNREFUSED 127.0.0.1:${port}); scores not sent; graded.jsonl and the reports are complete`]);
  });

  it("a corrupt langfuse-dataset.json is reported and only the dataset-run scores are skipped", async () => {
    const { summary } = await runBench({ off: "test" });
    await writeFile(join(summary.outDir, DATASET_LINKS_FILE), "{ not json");
    langfuse = await startFakeLangfuse();
    const { io } = await grade(summary.runLogPath, keysFor(langfuse.url));
    expect(io.errLines).toContain(`warning: langfuse: ${join(summary.outDir, DATASET_LINKS_FILE)} is not valid JSON; dataset-run scores are not sent`);
    expect(bodies(langfuse.to("POST", "/api/public/scores")).every((score) => score.traceId !== undefined)).toBe(true);
    expect(langfuse.to("POST", "/api/public/scores").length).toBeGreaterThan(0);
  });
});
