import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { calibrate, type HumanLabel } from "../harness/analysis/calibrate.js";
import { writeGradedLog } from "../harness/analysis/load.js";
import { calibrateCommand } from "../harness/commands/calibrate.js";
import type { CommandIO } from "../harness/commands/io.js";
import { gradeRecord } from "../harness/grading/grade-records.js";
import type { Judge } from "../harness/grading/judge.js";
import { makeItem, makeRecord } from "../harness/testing/builders.js";

const item = makeItem({ id: "q", expected_facts: ["maxAttempts", "jitter"] });
const answers = { correct: "maxAttempts and jitter (src/retry.ts:10)", partial: "maxAttempts (src/retry.ts:10)", wrong: "forever (src/retry.ts:10)" } as const;

async function graded(verdicts: Array<keyof typeof answers>, judge?: Judge) {
  return Promise.all(
    verdicts.map((v, i) => gradeRecord(makeRecord({ questionId: "q", repeat: i, answer: answers[v] }), item, judge ? { judge } : {})),
  );
}

describe("calibrate", () => {
  it("rule grades vs human labels: agreement and Cohen's kappa", async () => {
    // rule:  correct correct partial wrong wrong
    // human: correct partial partial wrong correct
    // agreement 3/5 = 0.6. Marginals over (correct, partial, wrong): human (2,2,1), rule (2,1,2)
    // p_e = (2·2 + 2·1 + 1·2)/25 = 8/25 = 0.32 → κ = (0.6 − 0.32)/(1 − 0.32) = 0.28/0.68 = 0.41176
    const records = await graded(["correct", "correct", "partial", "wrong", "wrong"]);
    const human: HumanLabel["label"][] = ["correct", "partial", "partial", "wrong", "correct"];
    const labels: HumanLabel[] = human.map((label, repeat) => ({ questionId: "q", pipeline: "baseline", repeat, label }));
    const result = calibrate(records, [...labels, { questionId: "nope", pipeline: "baseline", repeat: 0, label: "wrong" }]);
    expect(result.source).toBe("rule");
    expect(result.matched).toBe(5);
    expect(result.unmatched).toHaveLength(1);
    expect(result.primary.agreement).toBeCloseTo(0.6, 12);
    expect(result.primary.kappa).toBeCloseTo(0.28 / 0.68, 12);
    expect(result.disagreements.map((d) => d.repeat)).toEqual([1, 4]);
  });
  it("uses the judge's grades when the log has them", async () => {
    const judge: Judge = { model: "fake", judge: async () => ({ verdict: "correct", rationale: "" }) };
    const records = await graded(["correct", "wrong"], judge);
    const result = calibrate(records, [
      { questionId: "q", pipeline: "baseline", repeat: 0, label: "correct" },
      { questionId: "q", pipeline: "baseline", repeat: 1, label: "correct" },
    ]);
    expect(result.source).toBe("judge");
    expect(result.primary.agreement).toBe(1);
    expect(result.rule.agreement).toBe(0.5);
  });
  it("the command validates the labels file line by line", async () => {
    const dir = await mkdtemp(join(tmpdir(), "harness-cal-"));
    const log = join(dir, "graded.jsonl");
    await writeGradedLog(log, await graded(["correct"]));
    const labels = join(dir, "labels.jsonl");
    await writeFile(labels, '{"questionId":"q","pipeline":"baseline","repeat":0,"label":"correct"}\n{"questionId":"q","pipeline":"baseline","label":"great"}\n');
    const io: CommandIO = { out: () => {}, err: () => {} };
    await expect(calibrateCommand({ runlog: log, labels }, io)).rejects.toThrow(/labels\.jsonl:2: label:/);
    await writeFile(labels, '{"questionId":"q","pipeline":"baseline","label":"correct","note":"fine"}\n');
    const out: string[] = [];
    const result = await calibrateCommand({ runlog: log, labels }, { out: (m) => out.push(m), err: () => {} });
    expect(result.matched).toBe(1);
    expect(out.join("\n")).toMatch(/Cohen's kappa/);
  });
});
