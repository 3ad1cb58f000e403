import { describe, expect, it } from "vitest";
import { attributeFailure, diagnosePipeline, recommend, type CauseRow } from "../harness/analysis/diagnose.js";
import { buildRunView } from "../harness/analysis/run-view.js";
import type { BenchmarkItem } from "../harness/benchmark-schema.js";
import { gradeRecord } from "../harness/grading/grade-records.js";
import type { GradedRecord } from "../harness/grading/graded-record-schema.js";
import type { RunRecord } from "../harness/run-log-schema.js";
import { makeItem, makeRecord } from "../harness/testing/builders.js";

const item = makeItem({ id: "q", expected_facts: ["maxAttempts", "jitter"], expected_files: ["src/retry.ts"] });
const otherEvidence = { evidence: [{ path: "src/other.ts", startLine: 1, endLine: 5, kind: "code" as const, score: 1, text: "x" }], evidencePaths: ["src/other.ts"], citations: [] };

/** Failure kinds, each a record that should land on one cause. */
const KINDS = {
  retrieval: (id: string): Partial<RunRecord> => ({ questionId: id, answer: "no idea", ...otherEvidence }),
  prompt: (id: string): Partial<RunRecord> => ({ questionId: id, answer: "maxAttempts (src/retry.ts:10)" }), // partial: one of two facts
  // evidence has the expected file, but the answer cites the wrong part (src/other.ts)
  context: (id: string): Partial<RunRecord> => ({ questionId: id, answer: "It retries forever.", citations: [{ path: "src/other.ts", startLine: 1, endLine: 2 }], evidence: [...makeRecord({ questionId: id }).evidence, { path: "src/other.ts", startLine: 1, endLine: 5, kind: "code", score: 1, text: "x" }] }),
  model: (id: string): Partial<RunRecord> => ({ questionId: id, answer: "maxAttempts and jitter", citations: [{ path: "src/retry.ts", startLine: 90, endLine: 99 }] }), // hallucinated citation
  correct: (id: string): Partial<RunRecord> => ({ questionId: id, answer: "maxAttempts with jitter (src/retry.ts:10)" }),
  error: (id: string): Partial<RunRecord> => ({ questionId: id, error: { code: "timeout", message: "slow" } }),
};

async function run(kinds: Array<keyof typeof KINDS>) {
  const items: BenchmarkItem[] = kinds.map((_, i) => ({ ...item, id: `q${i}` }));
  const records: GradedRecord[] = [];
  for (const [i, kind] of kinds.entries()) {
    const overrides = KINDS[kind](`q${i}`);
    records.push(await gradeRecord(makeRecord({ questionId: `q${i}`, ...overrides }), items[i] as BenchmarkItem));
  }
  return { records, view: buildRunView(records, { items, pipelines: ["baseline"] }) };
}

describe("diagnose: attribution", () => {
  it("attributes each failure kind to exactly one cause", async () => {
    const { records } = await run(["retrieval", "prompt", "context", "model"]);
    expect(records.map((r) => r.label)).toEqual(["missing_evidence", "partial_answer", "incomplete_evidence_use", "hallucinated"]);
    expect(records.map(attributeFailure)).toEqual(["retrieval", "prompt", "context", "model"]);
  });
  it("a wrong answer citing the expected file is a model failure; missing evidence wins over hallucination", async () => {
    const citesRight = await gradeRecord(makeRecord({ questionId: "q", answer: "It retries forever (src/retry.ts:10)." }), item);
    expect(citesRight.label).toBe("incomplete_evidence_use");
    expect(attributeFailure(citesRight)).toBe("model");
    const inventedWithoutEvidence = await gradeRecord(makeRecord({ questionId: "q", answer: "x", ...otherEvidence, citations: [{ path: "src/retry.ts", startLine: 1, endLine: 2 }] }), item);
    expect(inventedWithoutEvidence.label).toBe("hallucinated");
    expect(attributeFailure(inventedWithoutEvidence)).toBe("retrieval");
  });
});

describe("diagnose: thresholds", () => {
  it("> 30% retrieval → fix retrieval; errors and missing are reported separately", async () => {
    // attributed: retrieval 2, prompt 2, context 1, model 1 → retrieval 33% > 30%
    const { view } = await run(["retrieval", "retrieval", "prompt", "prompt", "context", "model", "correct", "error"]);
    const d = diagnosePipeline(view, "baseline");
    expect(d.failures).toBe(7);
    expect(d.attributed).toBe(6);
    expect(d.errors).toMatchObject({ count: 1, questionIds: ["q7"], codes: { timeout: 1 } });
    expect(d.causes.find((c) => c.cause === "retrieval")).toMatchObject({ count: 2, questionIds: ["q0", "q1"] });
    expect(d.causes.find((c) => c.cause === "retrieval")?.share).toBeCloseTo(1 / 3, 12);
    expect(d.recommendation.rung).toBe("retrieval");
  });
  it("retrieval at exactly 30% is not above the threshold; then prompt > 30% wins", async () => {
    // 10 attributed: retrieval 3 (30%), prompt 4 (40%), context 2, model 1
    const { view } = await run(["retrieval", "retrieval", "retrieval", "prompt", "prompt", "prompt", "prompt", "context", "context", "model"]);
    expect(diagnosePipeline(view, "baseline").recommendation.rung).toBe("prompt");
  });
  it("context > 20% after retrieval and prompt are ruled out", async () => {
    // 10 attributed: retrieval 3, prompt 3, context 3 (30%), model 1
    const { view } = await run(["retrieval", "retrieval", "retrieval", "prompt", "prompt", "prompt", "context", "context", "context", "model"]);
    expect(diagnosePipeline(view, "baseline").recommendation.rung).toBe("context");
  });
  it("model > 20% last; otherwise no dominant cause", () => {
    const rows = (r: number, p: number, c: number, m: number): CauseRow[] => {
      const total = r + p + c + m;
      return ([["retrieval", r], ["prompt", p], ["context", c], ["model", m]] as const).map(([cause, count]) => ({ cause, count, share: count / total, questionIds: [] }));
    };
    expect(recommend(rows(3, 3, 2, 2), 10).rung).toBe("none"); // 30/30/20/20: nothing strictly above
    expect(recommend(rows(3, 3, 1, 3), 10).rung).toBe("model"); // model 30% > 20%
    expect(recommend(rows(0, 0, 0, 0), 0).rung).toBe("none");
  });
  it("all correct: nothing to attribute", async () => {
    const { view } = await run(["correct", "correct"]);
    const d = diagnosePipeline(view, "baseline");
    expect(d.failures).toBe(0);
    expect(d.recommendation.rung).toBe("none");
  });
});
