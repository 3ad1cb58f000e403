import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { compareCommand } from "../harness/commands/compare.js";
import { diagnoseCommand } from "../harness/commands/diagnose.js";
import { gradeCommand } from "../harness/commands/grade.js";
import type { CommandIO } from "../harness/commands/io.js";
import { GradedRecordSchema } from "../harness/grading/graded-record-schema.js";
import type { GradedRecord } from "../harness/grading/graded-record-schema.js";
import { writeDemoRun } from "../harness/testing/demo-run.js";

const quiet: CommandIO = { out: () => {}, err: () => {} };
let runDir = "";
const onGraded: GradedRecord[] = [];

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), "harness-reports-"));
  const summary = await writeDemoRun(dir, { questions: 16, repeats: 2 });
  runDir = summary.outDir;
  await gradeCommand({ runlog: summary.runLogPath, judge: false, labelFrom: "rule" }, quiet, { onGraded: (record) => void onGraded.push(record) });
  await compareCommand({ runs: runDir, resamples: 500, seed: 1 }, quiet);
  await diagnoseCommand({ runlog: join(runDir, "graded.jsonl") }, quiet);
}, 60_000);

/** An HTML report must not make a single request: no URLs, scripts, links, external images or CSS imports. */
function expectSelfContained(html: string) {
  expect(html).not.toMatch(/https?:\/\//i);
  expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|url\((?!#)/i); // url(#clipN) is an in-document reference
  expect(html).not.toMatch(/\ssrc=/i);
}

const read = (name: string) => readFile(join(runDir, name), "utf8");

describe("reports", () => {
  it("grade writes a graded log (every line valid, hook called per record) and three report files", async () => {
    const lines = (await read("graded.jsonl")).trim().split("\n");
    expect(lines).toHaveLength(16 * 2 * 2);
    for (const line of lines) expect(GradedRecordSchema.safeParse(JSON.parse(line)).success).toBe(true);
    expect(onGraded).toHaveLength(lines.length);
    const md = await read("grade-report.md");
    for (const heading of ["# Grade report", "## Summary", "## Charts", "## Trace labels", "## Accuracy by route", "## Records that are not correct", "## Run"]) {
      expect(md).toContain(heading);
    }
    const html = await read("grade-report.html");
    expectSelfContained(html);
    expect((html.match(/<svg/g) ?? []).length).toBeGreaterThanOrEqual(4);
    const json = JSON.parse(await read("grade-report.json")) as { result: { summaries: Array<{ pipeline: string }> } };
    expect(json.result.summaries.map((s) => s.pipeline)).toEqual(["baseline", "orchestrated"]);
  });

  it("compare puts the verdict first and has every section", async () => {
    const md = await read("compare-report.md");
    const verdictAt = md.indexOf("Orchestration is");
    expect(verdictAt).toBeGreaterThan(0);
    expect(verdictAt).toBeLessThan(md.indexOf("## Paired differences"));
    for (const heading of ["## Paired differences", "## Accuracy: McNemar test", "## Accuracy by route", "## Routing (orchestrated)", "## Questions that flipped", "## Repeats (2 per question)", "## Method"]) {
      expect(md).toContain(heading);
    }
    expect(md).toMatch(/\| Accuracy \| .* \| .* \| .* \[.*\] \|/);
    const html = await read("compare-report.html");
    expectSelfContained(html);
    expect(html.indexOf('class="headline')).toBeLessThan(html.indexOf("<section"));
    // route accuracy bars, labels, latency, cost, confusion heatmap
    expect((html.match(/<svg/g) ?? []).length).toBe(5);
    const json = JSON.parse(await read("compare-report.json")) as { result: { verdict: { kind: string }; dimensions: unknown[]; mcnemar: { midP: number } } };
    expect(["wins", "loses", "mixed", "tie"]).toContain(json.result.verdict.kind);
    expect(json.result.dimensions).toHaveLength(8);
    expect(json.result.mcnemar.midP).toBeGreaterThanOrEqual(0);
  });

  it("diagnose names the rung and lists causes per pipeline", async () => {
    const md = await read("diagnose-report.md");
    for (const heading of ["## Failure causes", "## Pipeline: baseline", "## Pipeline: orchestrated", "## The rule"]) expect(md).toContain(heading);
    expect(md).toMatch(/\| retrieval \| \d+ \| [\d.]+% \| > 30% \|/);
    const html = await read("diagnose-report.html");
    expectSelfContained(html);
    expect(html).toContain("<svg");
  });
});
