import { spawnSync } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { writeDemoRun } from "../harness/testing/demo-run.js";

const root = join(import.meta.dirname, "..");

function cli(...args: string[]) {
  const result = spawnSync("npx", ["tsx", "harness/cli.ts", ...args], { cwd: root, encoding: "utf8", timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const noStackTrace = (text: string) => expect(text).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);

let runLog = "";
let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "harness-cli-"));
  runLog = (await writeDemoRun(dir, { questions: 12 })).runLogPath; // raw, ungraded: gate grades it first
}, 60_000);

describe("gate (spawned CLI)", () => {
  it("exits 0 with a one-line summary when every threshold holds", () => {
    const { code, stdout } = cli("gate", "--run", runLog, "--min-accuracy", "0.3", "--max-p95-ms", "60000", "--max-cost", "0.01", "--min-evidence-hit", "0.3");
    expect(code).toBe(0);
    expect(stdout.trim().split("\n")).toHaveLength(1);
    expect(stdout).toMatch(/^gate passed: baseline accuracy [\d.]+%, latency p95 [\d,]+ ms, cost per question \$[\d.]+, evidence hit rate [\d.]+% \| orchestrated accuracy/);
  });
  it("exits 1 listing each missed threshold", () => {
    const { code, stderr } = cli("gate", "--run", runLog, "--min-accuracy", "0.99", "--max-p95-ms", "50", "--max-cost", "0.01", "--min-route-accuracy", "0.999");
    expect(code).toBe(1);
    expect(stderr).toMatch(/gate failed: 5 threshold\(s\) missed/);
    expect(stderr).toMatch(/baseline: accuracy [\d.]+% < min 99\.0%/);
    expect(stderr).toMatch(/orchestrated: accuracy [\d.]+% < min 99\.0%/);
    expect(stderr).toMatch(/baseline: latency p95 [\d,]+ ms > max 50 ms/);
    expect(stderr).toMatch(/orchestrated: latency p95/);
    expect(stderr).toMatch(/orchestrated: route accuracy [\d.]+% < min 99\.9%/);
    expect(stderr).not.toMatch(/cost per question/);
    expect(stderr).toMatch(/note: baseline: route accuracy not applicable/);
  });
  it("exits 2 on invalid options, with a clear message and no stack trace", () => {
    const { code, stderr } = cli("gate", "--run", runLog, "--min-accuracy", "1.5", "--max-p95-ms", "100", "--max-cost", "x");
    expect(code).toBe(2);
    expect(stderr).toMatch(/--min-accuracy: /);
    expect(stderr).toMatch(/--max-cost: /);
    noStackTrace(stderr);
    const missing = cli("gate", "--run", join(dir, "nope.jsonl"), "--min-accuracy", "0.5", "--max-p95-ms", "100", "--max-cost", "1");
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/run log not found: .*nope\.jsonl/);
  });
});

describe("run (spawned CLI)", () => {
  it("refuses an invalid benchmark listing every file:line problem, without a stack trace", async () => {
    const bench = join(dir, "broken.jsonl");
    await writeFile(bench, ['{"id":"a","question":"q?","route":"code"}', "not json", '{"id":"a","question":"q?","route":"code"}'].join("\n"));
    const { code, stderr } = cli("run", "--bench", bench, "--repo", dir, "--pipeline", "both", "--out", join(dir, "never"));
    expect(code).toBe(2);
    expect(stderr).toContain(`${bench}:2: invalid JSON`);
    expect(stderr).toContain(`${bench}:3: duplicate id "a" (first on line 1)`);
    noStackTrace(stderr);
  });
  it("in-process against a repository that does not exist says so clearly", async () => {
    const bench = join(dir, "ok.jsonl");
    await writeFile(bench, '{"id":"a","question":"q?","route":"code"}\n');
    const missing = join(dir, "no-such-repo");
    const { code, stderr } = cli("run", "--bench", bench, "--repo", missing, "--pipeline", "baseline", "--out", join(dir, "never2"));
    expect(code).toBe(2);
    expect(stderr).toContain(`repository path ${missing} does not exist`);
    noStackTrace(stderr);
  });
});
