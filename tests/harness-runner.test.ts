import { appendFile, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Pipeline, PipelineName } from "../src/contract.js";
import { HarnessError } from "../harness/errors.js";
import type { PipelineFactory, PipelineFactoryOptions } from "../harness/pipelines.js";
import { RunManifestSchema, RunRecordSchema, type RunRecord } from "../harness/run-log-schema.js";
import { runBenchmark, type RunBenchmarkOptions } from "../harness/runner/run-benchmark.js";
import { fakePipeline, makeItem, makeResult, writeBenchmark } from "../harness/testing/builders.js";

const items = [makeItem({ id: "a", question: "alpha?" }), makeItem({ id: "b", question: "beta?" }), makeItem({ id: "c", question: "gamma?" })];

async function setup() {
  const dir = await mkdtemp(join(tmpdir(), "harness-run-"));
  const bench = await writeBenchmark(dir, items);
  return { dir, bench, out: join(dir, "out") };
}

function options(bench: string, out: string, factory: PipelineFactory, extra: Partial<RunBenchmarkOptions> = {}): RunBenchmarkOptions {
  return {
    benchPath: bench,
    repoPath: "/tmp/some-repo",
    pipelines: ["baseline", "orchestrated"],
    repeats: 1,
    concurrency: 2,
    limit: null,
    outDir: out,
    url: null,
    resume: false,
    retryErrors: false,
    noCache: false,
    timeoutMs: 5_000,
    progress: false,
    factory,
    ...extra,
  };
}

async function readLog(out: string): Promise<RunRecord[]> {
  const text = await readFile(join(out, "runs.jsonl"), "utf8");
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => RunRecordSchema.parse(JSON.parse(line)));
}

const keyOf = (r: RunRecord) => `${r.questionId}/${r.pipeline}/${r.repeat}`;
const factoryOf = (make: (name: PipelineName) => Pipeline): PipelineFactory => async (name) => make(name);

describe("run: in-process with fake pipelines", () => {
  it("runs every question × pipeline × repeat within the concurrency limit and writes a manifest", async () => {
    const { bench, out } = await setup();
    let inFlight = 0;
    let maxInFlight = 0;
    const factoryCalls: Array<[PipelineName, PipelineFactoryOptions]> = [];
    const factory: PipelineFactory = async (name, opts) => {
      factoryCalls.push([name, opts]);
      return fakePipeline(name, async () => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 15));
        inFlight--;
        return {};
      });
    };
    const summary = await runBenchmark(options(bench, out, factory, { repeats: 2, concurrency: 3, noCache: true, describeModels: () => ({ provider: "offline", models: { router: "none" } }) }));
    expect(summary).toMatchObject({ planned: 12, executed: 12, skipped: 0, errors: 0, interrupted: false });
    const records = await readLog(out);
    expect(records).toHaveLength(12);
    expect(new Set(records.map(keyOf)).size).toBe(12);
    expect(new Set(records.map((r) => r.repeat))).toEqual(new Set([0, 1]));
    expect(maxInFlight).toBeGreaterThan(1);
    expect(maxInFlight).toBeLessThanOrEqual(3);
    expect(records.every((r) => r.runId === summary.runId && r.evidencePaths[0] === "src/retry.ts")).toBe(true);
    expect(factoryCalls.map(([name]) => name).sort()).toEqual(["baseline", "orchestrated"]);
    expect(factoryCalls[0]?.[1]).toEqual({ repoPath: "/tmp/some-repo", noCache: true, runId: summary.runId });
    const manifest = RunManifestSchema.parse(JSON.parse(await readFile(join(out, "manifest.json"), "utf8")));
    expect(manifest).toMatchObject({ status: "completed", repeats: 2, pipelines: ["baseline", "orchestrated"], provider: "offline", models: { router: "none" } });
    expect(manifest.benchmark.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(manifest.counts).toEqual({ planned: 12, completed: 12, errors: 0 });
    expect(manifest.nodeVersion).toBe(process.version);
    expect(manifest.endedAt).not.toBeNull();
  });

  it("turns a throwing pipeline, an invalid result and a timeout into error records, never a crash", async () => {
    const { bench, out } = await setup();
    const factory = factoryOf((name) => ({
      name,
      async run(question) {
        if (question === "alpha?") throw Object.assign(new Error("index not built"), { code: "ENOINDEX" });
        if (question === "beta?") return { ...makeResult({ pipeline: name }), latencyMs: -5 };
        return new Promise(() => {}); // never answers
      },
    }));
    const summary = await runBenchmark(options(bench, out, factory, { pipelines: ["baseline"], timeoutMs: 50, concurrency: 3 }));
    expect(summary.errors).toBe(3);
    const byQuestion = Object.fromEntries((await readLog(out)).map((r) => [r.questionId, r]));
    expect(byQuestion.a?.error).toEqual({ code: "ENOINDEX", message: "index not built" });
    expect(byQuestion.b?.error?.code).toBe("invalid_result");
    expect(byQuestion.b?.error?.message).toMatch(/latencyMs/);
    expect(byQuestion.c?.error).toEqual({ code: "timeout", message: "no answer within 50 ms" });
    expect(byQuestion.a?.answer).toBe("");
  });

  it("resumes an interrupted run: keeps finished records, drops a torn line, runs only what is missing", async () => {
    const { bench, out } = await setup();
    const controller = new AbortController();
    let started = 0;
    const interrupting = factoryOf((name) =>
      fakePipeline(name, async (_q, opts) => {
        started++;
        if (started === 4) {
          controller.abort(); // Ctrl-C while the 4th question is in flight
          await new Promise((_resolve, reject) => opts?.signal?.addEventListener("abort", () => reject(new Error("aborted"))));
        }
        return {};
      }),
    );
    const first = await runBenchmark(options(bench, out, interrupting, { concurrency: 1, signal: controller.signal }));
    expect(first.interrupted).toBe(true);
    expect(first.executed).toBe(3);
    expect(await readLog(out)).toHaveLength(3);
    const manifest = RunManifestSchema.parse(JSON.parse(await readFile(join(out, "manifest.json"), "utf8")));
    expect(manifest.status).toBe("interrupted");

    // a half-written line, as a killed process leaves it
    await appendFile(join(out, "runs.jsonl"), '{"runId":"run-x","questionId":"c","pipel');
    await expect(runBenchmark(options(bench, out, interrupting))).rejects.toThrow(/--resume/);

    const counted: string[] = [];
    const resuming = factoryOf((name) => fakePipeline(name, (q) => (counted.push(`${q}/${name}`), {})));
    const notices: string[] = [];
    const second = await runBenchmark(options(bench, out, resuming, { resume: true, notify: (m) => notices.push(m) }));
    expect(second).toMatchObject({ runId: first.runId, executed: 3, skipped: 3, interrupted: false });
    expect(counted).toHaveLength(3);
    expect(notices.join("\n")).toMatch(/torn last line/);
    const records = await readLog(out);
    expect(records).toHaveLength(6);
    expect(new Set(records.map(keyOf)).size).toBe(6);
    const finalManifest = RunManifestSchema.parse(JSON.parse(await readFile(join(out, "manifest.json"), "utf8")));
    expect(finalManifest).toMatchObject({ status: "completed", runId: first.runId, counts: { planned: 6, completed: 6, errors: 0 } });
  });

  it("--retry-errors re-runs only errored records and replaces them", async () => {
    const { bench, out } = await setup();
    const flaky = factoryOf((name) =>
      fakePipeline(name, (q) => {
        if (q === "beta?") throw new Error("rate limited");
        return {};
      }),
    );
    const first = await runBenchmark(options(bench, out, flaky));
    expect(first.errors).toBe(2);
    // drop one healthy record to prove retry-errors does not fill in missing ones
    const lines = (await readFile(join(out, "runs.jsonl"), "utf8")).split("\n").filter(Boolean);
    const withoutOne = lines.filter((line) => !(line.includes('"questionId":"c"') && line.includes('"pipeline":"baseline"')));
    await writeFile(join(out, "runs.jsonl"), withoutOne.join("\n") + "\n");

    const rerun: string[] = [];
    const healthy = factoryOf((name) => fakePipeline(name, (q) => (rerun.push(`${q}/${name}`), {})));
    const second = await runBenchmark(options(bench, out, healthy, { retryErrors: true }));
    expect(rerun.sort()).toEqual(["beta?/baseline", "beta?/orchestrated"]);
    expect(second.errors).toBe(0);
    const records = await readLog(out);
    expect(records).toHaveLength(5);
    expect(records.filter((r) => r.error !== null)).toHaveLength(0);
    expect(records.filter((r) => r.questionId === "b")).toHaveLength(2);
  });

  it("refuses to start on an invalid benchmark or a factory that cannot build a pipeline", async () => {
    const { dir, out } = await setup();
    const badBench = join(dir, "bad.jsonl");
    await writeFile(badBench, '{"id":"a","question":"q","route":"code"}\n{"id":"a","question":"q","route":"code"}\n');
    const factory = factoryOf((name) => fakePipeline(name, () => ({})));
    await expect(runBenchmark(options(badBench, out, factory))).rejects.toThrow(/bad\.jsonl:2: duplicate id "a"/);
    const { bench } = await setup();
    const broken: PipelineFactory = async () => {
      throw new Error("pipelines not wired yet");
    };
    const error = await runBenchmark(options(bench, join(dir, "out2"), broken)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HarnessError);
    expect((error as Error).message).toMatch(/could not create the baseline pipeline: pipelines not wired yet/);
  });
});

describe("run --url against a local server", () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
  });

  it("POSTs {question, pipeline} to /ask and records non-2xx answers as errors", async () => {
    const bodies: unknown[] = [];
    server = createServer((request, response) => {
      let body = "";
      request.on("data", (chunk: Buffer) => (body += chunk.toString()));
      request.on("end", () => {
        const parsed = JSON.parse(body) as { question: string; pipeline: PipelineName };
        bodies.push({ method: request.method, url: request.url, body: parsed });
        if (parsed.question === "beta?") {
          response.writeHead(503, { "content-type": "application/json" }).end('{"error":"overloaded"}');
          return;
        }
        if (parsed.question === "gamma?") {
          response.writeHead(200, { "content-type": "application/json" }).end('{"answer":"no contract"}');
          return;
        }
        response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(makeResult({ pipeline: parsed.pipeline, answer: `server says maxAttempts for ${parsed.pipeline}` })));
      });
    });
    await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", () => resolve()));
    const { port } = server.address() as AddressInfo;
    const { bench, out } = await setup();
    const summary = await runBenchmark({ ...options(bench, out, undefined as unknown as PipelineFactory), factory: undefined, repoPath: null, url: `http://127.0.0.1:${port}/` });
    expect(summary.executed).toBe(6);
    expect(bodies).toContainEqual({ method: "POST", url: "/ask", body: { question: "alpha?", pipeline: "orchestrated" } });
    const records = await readLog(out);
    const alpha = records.find((r) => r.questionId === "a" && r.pipeline === "baseline");
    expect(alpha?.answer).toBe("server says maxAttempts for baseline");
    const beta = records.find((r) => r.questionId === "b" && r.pipeline === "baseline");
    expect(beta?.error?.code).toBe("http_503");
    expect(beta?.error?.message).toMatch(/overloaded/);
    expect(records.find((r) => r.questionId === "c")?.error?.code).toBe("invalid_result");
    const manifest = RunManifestSchema.parse(JSON.parse(await readFile(join(out, "manifest.json"), "utf8")));
    expect(manifest.config).toMatchObject({ mode: "http", url: `http://127.0.0.1:${port}/` });
    expect(manifest.provider).toBe("offline");
  });

  it("records an unreachable server as network errors", async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", () => resolve()));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve())); // nothing listens there now
    const { bench, out } = await setup();
    const summary = await runBenchmark({ ...options(bench, out, undefined as unknown as PipelineFactory), factory: undefined, repoPath: null, pipelines: ["baseline"], limit: 1, url: `http://127.0.0.1:${port}` });
    expect(summary.errors).toBe(1);
    expect((await readLog(out))[0]?.error?.code).toBe("network_error");
  });
});
