import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { access, mkdtemp, readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { runCommand, RunOptionsSchema } from "../harness/commands/run.js";
import { DATASET_LINKS_FILE } from "../harness/langfuse/dataset-links.js";
import { closedPortUrl, startFakeLangfuse, type FakeLangfuse } from "../harness/langfuse/testing/fake-langfuse.js";
import { makeItem, makeResult, writeBenchmark } from "../harness/testing/builders.js";

/**
 * The spawned CLI, configured only by environment variables as a user would: LANGFUSE_* reach
 * the Langfuse client through src/config.ts, and a Langfuse that fails leaves the exit code 0.
 * The child is spawned asynchronously so the stand-ins in this process can answer it.
 */

const root = join(import.meta.dirname, "..");
/** Each test spawns the CLI (tsx start-up) once or twice; generous for a loaded machine. */
const SPAWN_TEST_TIMEOUT_MS = 90_000;
const PUBLIC_KEY = "pk-lf-cli-test";
const SECRET_KEY = "sk-lf-cli-secret";
const BASIC_AUTH = `Basic ${Buffer.from(`${PUBLIC_KEY}:${SECRET_KEY}`).toString("base64")}`;
const ITEMS = [makeItem({ id: "c1", route: "code" }), makeItem({ id: "c2", route: "code", expected_facts: ["maxAttempts", "jitter"] })];

/** The environment of the child: ours without any Langfuse or OpenAI settings, plus `extra`. */
function childEnvironment(extra: Record<string, string>): NodeJS.ProcessEnv {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("LANGFUSE_") && !name.startsWith("OPENAI_")));
  return { ...inherited, ...extra };
}

function cli(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("npx", ["tsx", "harness/cli.ts", ...args], { cwd: root, env: childEnvironment(env) });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const keysAt = (url: string) => ({ LANGFUSE_PUBLIC_KEY: PUBLIC_KEY, LANGFUSE_SECRET_KEY: SECRET_KEY, LANGFUSE_BASE_URL: url });
const traceIdOf = (pipeline: string, question: string) => createHash("md5").update(`${pipeline}|${question}`).digest("hex");

/** A service stand-in for `run --url`: answers POST /ask like the real server, with a trace id. */
let askServer: Server;
let askUrl = "";
let dir = "";
let benchPath = "";
let langfuse: FakeLangfuse | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "harness-langfuse-cli-"));
  benchPath = await writeBenchmark(dir, ITEMS, "cli-bench.jsonl");
  askServer = createServer((request, response) => {
    let text = "";
    request.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
    request.on("end", () => {
      const { question, pipeline } = JSON.parse(text) as { question: string; pipeline: "baseline" | "orchestrated" };
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify(makeResult({ pipeline, traceId: traceIdOf(pipeline, question) })));
    });
  });
  await new Promise<void>((resolve) => askServer.listen(0, "127.0.0.1", resolve));
  askUrl = `http://127.0.0.1:${(askServer.address() as AddressInfo).port}`;
});

afterEach(async () => {
  await langfuse?.close();
  langfuse = undefined;
});

afterAll(async () => {
  await new Promise<void>((resolve) => askServer.close(() => resolve()));
});

const runArgs = (out: string, ...extra: string[]) => ["run", "--bench", benchPath, "--url", askUrl, "--pipeline", "both", "--out", out, "--no-progress", ...extra];

describe("harness CLI with Langfuse keys in the environment", () => {
  it("run records the dataset run and grade scores the traces and the dataset runs, with the keys from the environment", async () => {
    langfuse = await startFakeLangfuse();
    const out = join(dir, "ok");
    const run = await cli(runArgs(out), keysAt(langfuse.url));
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("langfuse: dataset harness-cli-bench: 2 item(s) upserted, 4 trace(s) linked in 2 dataset run(s)");
    expect(langfuse.to("POST", "/api/public/dataset-run-items").map((r) => (r.body as { traceId: string }).traceId).sort()).toEqual(
      ITEMS.flatMap((item) => [traceIdOf("baseline", item.question), traceIdOf("orchestrated", item.question)]).sort(),
    );
    await access(join(out, DATASET_LINKS_FILE));

    const grade = await cli(["grade", join(out, "runs.jsonl")], keysAt(langfuse.url));
    expect(grade.code).toBe(0);
    expect(grade.stderr).not.toMatch(/warning/);
    expect(grade.stdout).toMatch(/langfuse: \d+ score\(s\) on 4 trace\(s\) at http:\/\/127\.0\.0\.1:\d+\n/);
    expect(grade.stdout).toMatch(/langfuse: \d+ aggregate score\(s\) on 2 dataset run\(s\) of dataset harness-cli-bench/);
    const scores = langfuse.to("POST", "/api/public/scores");
    expect(scores.some((r) => (r.body as { name: string; traceId?: string }).name === "trace_label")).toBe(true);
    expect(scores.some((r) => (r.body as { name: string; datasetRunId?: string }).datasetRunId !== undefined)).toBe(true);
    // Every API call carries the keys from the environment (the public health probe needs none).
    const apiCalls = langfuse.requests.filter((request) => request.path !== "/api/public/health");
    expect(apiCalls.length).toBeGreaterThan(0);
    for (const request of apiCalls) expect(request.authorization).toBe(BASIC_AUTH);
    // The secret never reaches the output.
    expect(run.stdout + run.stderr + grade.stdout + grade.stderr).not.toContain(SECRET_KEY);
  }, SPAWN_TEST_TIMEOUT_MS);

  it("grade exits 0 with a warning when Langfuse answers 500, and the graded log is written", async () => {
    const out = join(dir, "grade-500");
    const options = RunOptionsSchema.parse({ bench: benchPath, url: askUrl, pipeline: "both", out, progress: false });
    await runCommand(options, { out: () => {}, err: () => {} }, { langfuse: { off: "this test records the run without Langfuse" } });
    langfuse = await startFakeLangfuse({ failWith: 500 });
    const grade = await cli(["grade", join(out, "runs.jsonl")], keysAt(langfuse.url));
    expect(grade.code).toBe(0);
    expect(grade.stderr).toMatch(/warning: langfuse: trace scores: 0 sent, \d+ failed \(HTTP 500/);
    expect(grade.stdout).toContain(`graded log: ${join(out, "graded.jsonl")}`);
    expect((await readFile(join(out, "graded.jsonl"), "utf8")).trim().split("\n")).toHaveLength(4);
    expect(langfuse.to("POST", "/api/public/scores").length).toBeGreaterThan(0);
  }, SPAWN_TEST_TIMEOUT_MS);

  it("run exits 0 with a warning when Langfuse is unreachable, and the run log is written", async () => {
    const out = join(dir, "run-down");
    const url = await closedPortUrl();
    const run = await cli(runArgs(out), keysAt(url));
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(`warning: langfuse: ${url} is unreachable (connect ECONNREFUSED`);
    expect((await readFile(join(out, "runs.jsonl"), "utf8")).trim().split("\n")).toHaveLength(4);
  }, SPAWN_TEST_TIMEOUT_MS);

  it("without keys, run and grade each say once that Langfuse is off", async () => {
    const out = join(dir, "no-keys");
    const run = await cli(runArgs(out), {});
    const grade = await cli(["grade", join(out, "runs.jsonl")], {});
    expect([run.code, grade.code]).toEqual([0, 0]);
    expect(run.stderr.match(/langfuse: off/g)).toHaveLength(1);
    expect(grade.stderr.match(/langfuse: off \(LANGFUSE_PUBLIC_KEY and LANGFUSE_SECRET_KEY not set\); scores are not sent to Langfuse/g)).toHaveLength(1);
  }, SPAWN_TEST_TIMEOUT_MS);
});
