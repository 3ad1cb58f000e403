import { describe, expect, it } from "vitest";
import { ROUTES, type PipelineName, type Route } from "../src/contract.js";
import { compareRuns, decideVerdict, describeDifference, type DimensionResult } from "../harness/analysis/compare.js";
import { buildRunView } from "../harness/analysis/run-view.js";
import type { BenchmarkItem } from "../harness/benchmark-schema.js";
import { gradeRecord } from "../harness/grading/grade-records.js";
import type { GradedRecord } from "../harness/grading/graded-record-schema.js";
import { makeItem, makeRecord } from "../harness/testing/builders.js";

interface Cell {
  correct: boolean;
  latencyMs?: number;
  costUsd?: number;
  route?: Route;
  error?: boolean;
}

/** n questions (routes cycle code, docs, debug, general); `cell` decides each record. */
async function buildRun(n: number, cell: (i: number, pipeline: PipelineName, repeat: number) => Cell | null, repeats = 1) {
  const items: BenchmarkItem[] = Array.from({ length: n }, (_, i) => makeItem({ id: `q${i}`, route: ROUTES[i % 4] as Route }));
  const records: GradedRecord[] = [];
  for (const [i, item] of items.entries())
    for (const pipeline of ["baseline", "orchestrated"] as const)
      for (let repeat = 0; repeat < repeats; repeat++) {
        const c = cell(i, pipeline, repeat);
        if (c === null) continue; // missing record
        const route = pipeline === "orchestrated" ? (c.route ?? item.route) : null;
        const record = makeRecord({
          questionId: item.id,
          pipeline,
          repeat,
          answer: c.correct ? "It uses maxAttempts (src/retry.ts:10)." : "It retries forever (src/retry.ts:10).",
          route,
          routesRun: route ? [route] : [],
          latencyMs: c.latencyMs ?? 100,
          usage: { inputTokens: 100, outputTokens: 10, costUsd: c.costUsd ?? 0.001 },
          error: c.error ? { code: "boom", message: "failed" } : null,
        });
        records.push(await gradeRecord(record, item));
      }
  return { items, view: buildRunView(records, { items, pipelines: ["baseline", "orchestrated"], repeats }) };
}

const fast = { resamples: 2000, seed: 7 };

describe("compare: verdicts on constructed runs", () => {
  it("orchestration clearly wins: more accurate, nothing worse", async () => {
    const { view } = await buildRun(40, (i, p) => ({ correct: p === "orchestrated" || i % 2 === 0 }));
    const result = compareRuns(view, fast);
    const accuracy = result.dimensions.find((d) => d.metric === "accuracy") as DimensionResult;
    expect(accuracy.baseline).toBe(0.5);
    expect(accuracy.orchestrated).toBe(1);
    expect(accuracy.outcome).toBe("better");
    expect(accuracy.difference.low).toBeGreaterThan(0);
    expect(result.verdict).toMatchObject({ justified: true, kind: "wins" });
    expect(result.verdict.reasons.join("\n")).toMatch(/better: Accuracy/);
    // McNemar: b = 0 (baseline-only right), c = 20 → mid-p = 0.5^20 ≈ 9.5e-7
    expect(result.mcnemar).toMatchObject({ b: 0, c: 20, bothRight: 20, bothWrong: 0 });
    expect(result.mcnemar.midP).toBeCloseTo(Math.pow(0.5, 20), 12);
    expect(result.flips.baselineWrongOrchestratedRight).toHaveLength(20);
    expect(result.flips.baselineRightOrchestratedWrong).toEqual([]);
  });

  it("orchestration clearly loses: less accurate and slower", async () => {
    const { view } = await buildRun(40, (i, p) => ({ correct: p === "baseline" || i % 2 === 0, latencyMs: p === "orchestrated" ? 400 + i : 100 + i }));
    const result = compareRuns(view, fast);
    expect(result.verdict).toMatchObject({ justified: false, kind: "loses" });
    const outcomes = Object.fromEntries(result.dimensions.map((d) => [d.metric, d.outcome]));
    expect(outcomes).toMatchObject({ accuracy: "worse", latencyP50: "worse", latencyP95: "worse", costPerQuestion: "no_difference" });
    expect(result.flips.baselineRightOrchestratedWrong).toHaveLength(20);
  });

  it("a tie: identical pipelines differ on nothing", async () => {
    const { view } = await buildRun(30, (i) => ({ correct: i % 3 !== 0, latencyMs: 100 + (i % 5) }));
    const result = compareRuns(view, fast);
    expect(result.verdict).toMatchObject({ justified: false, kind: "tie" });
    expect(result.dimensions.filter((d) => d.outcome === "better" || d.outcome === "worse")).toEqual([]);
    expect(result.mcnemar.midP).toBe(1);
  });

  it("mixed: better accuracy bought with cost beyond noise is not justified", async () => {
    const { view } = await buildRun(40, (i, p) => ({ correct: p === "orchestrated" || i % 2 === 0, costUsd: p === "orchestrated" ? 0.01 : 0.001 }));
    const result = compareRuns(view, fast);
    expect(result.verdict.kind).toBe("mixed");
    expect(result.verdict.justified).toBe(false);
    expect(result.verdict.summary).toMatch(/Cost per question/);
  });

  it("a few noisy flips are within noise", async () => {
    // 2 questions flip each way among 30: no evidence of a difference
    const { view } = await buildRun(30, (i, p) => ({ correct: i < 2 ? p === "orchestrated" : i < 4 ? p === "baseline" : true }));
    const result = compareRuns(view, fast);
    expect(result.dimensions.find((d) => d.metric === "accuracy")?.outcome).toBe("no_difference");
    expect(result.mcnemar).toMatchObject({ b: 2, c: 2 });
  });

  it("decideVerdict follows the rule exactly", () => {
    const dim = (outcome: DimensionResult["outcome"], title: string): DimensionResult => ({
      metric: "accuracy",
      title,
      better: "higher",
      unit: "rate",
      baseline: 0,
      orchestrated: 0,
      difference: { estimate: 0.1, low: 0.05, high: 0.15 },
      outcome,
    });
    expect(decideVerdict([dim("better", "A"), dim("no_difference", "B")]).justified).toBe(true);
    expect(decideVerdict([dim("better", "A"), dim("worse", "B")]).kind).toBe("mixed");
    expect(decideVerdict([dim("no_difference", "A"), dim("undefined", "B")]).kind).toBe("tie");
    expect(decideVerdict([dim("worse", "A")]).kind).toBe("loses");
  });
});

describe("compare: routes, errors, missing records and repeats", () => {
  it("per-route accuracy with Wilson intervals and the routing confusion matrix", async () => {
    // 8 questions, 2 per route; orchestrated sends every docs question to code
    const { view } = await buildRun(8, (i, p) => {
      const route = ROUTES[i % 4] as Route;
      return { correct: !(p === "orchestrated" && route === "docs"), route: route === "docs" ? "code" : route };
    });
    const result = compareRuns(view, fast);
    const docs = result.orchestrated.perRoute.find((r) => r.route === "docs");
    expect(docs).toMatchObject({ questions: 2, accuracy: 0 });
    // Wilson 0/2: center = (0 + 1.9208)/(1 + 1.9208) = 0.6576 = half → [0, 0.6576]
    expect(docs?.ci.high).toBeCloseTo(0.6576, 3);
    const codeRow = result.confusion.expected.indexOf("code");
    const docsRow = result.confusion.expected.indexOf("docs");
    const codeCol = result.confusion.chosen.indexOf("code");
    expect(result.confusion.matrix[docsRow]?.[codeCol]).toBe(2);
    expect(result.confusion.matrix[codeRow]?.[codeCol]).toBe(2);
    expect(result.orchestrated.routeAccuracy).toBeCloseTo(6 / 8, 12);
    expect(result.baseline.routeAccuracy).toBeNaN(); // the baseline does not route
  });

  it("errors and missing records count as failures; they are excluded from latency", async () => {
    const { view } = await buildRun(4, (i, p) => {
      if (p === "orchestrated" && i === 0) return null; // missing
      if (p === "orchestrated" && i === 1) return { correct: true, error: true, latencyMs: 1 };
      return { correct: true, latencyMs: 100 };
    });
    const result = compareRuns(view, fast);
    expect(result.orchestrated.accuracy).toBe(0.5);
    expect(result.orchestrated.missing).toBe(1);
    expect(result.orchestrated.errors).toBe(1);
    expect(result.orchestrated.labels.missing).toBe(1);
    expect(result.orchestrated.labels.error).toBe(1);
    expect(result.orchestrated.latencyP50).toBe(100);
    expect(result.orchestrated.evidenceHitRate).toBe(0.5);
  });

  it("with repeats: per-question pass rate, pass@k, pass^k and flaky questions", async () => {
    // 2 questions × 4 repeats. q0 orchestrated passes 2/4 (flaky); q1 passes 4/4. Baseline always passes.
    const { view } = await buildRun(2, (i, p, r) => ({ correct: p === "baseline" || i === 1 || r < 2 }), 4);
    const result = compareRuns(view, fast);
    const orch = result.repeatStats?.find((s) => s.pipeline === "orchestrated");
    expect(orch?.ks).toEqual([1, 2, 3, 4]);
    // q0: n=4, c=2 → pass@1 = 0.5, pass@2 = 1 − C(2,2)/C(4,2) = 5/6, pass^2 = C(2,2)/C(4,2) = 1/6; q1 → 1
    expect(orch?.passAtK[0]).toBeCloseTo((0.5 + 1) / 2, 12);
    expect(orch?.passAtK[1]).toBeCloseTo((5 / 6 + 1) / 2, 12);
    expect(orch?.passHatK[1]).toBeCloseTo((1 / 6 + 1) / 2, 12);
    expect(orch?.passHatK[3]).toBeCloseTo((0 + 1) / 2, 12);
    expect(orch?.flaky).toEqual(["q0"]);
    expect(orch?.perQuestion[0]).toEqual({ questionId: "q0", passes: 2, n: 4, passRate: 0.5 });
    expect(result.repeatStats?.find((s) => s.pipeline === "baseline")?.flaky).toEqual([]);
    expect(result.orchestrated.accuracy).toBeCloseTo(0.75, 12);
    // majority (> half) for McNemar: q0 at 2/4 is not correct
    expect(result.mcnemar).toMatchObject({ b: 1, c: 0 });
  });
});

describe("compare: how differences read", () => {
  const latency = (estimate: number, low: number, high: number): DimensionResult => ({
    metric: "latencyP50",
    title: "Latency p50 (ms)",
    better: "lower",
    unit: "ms",
    baseline: 16,
    orchestrated: 14,
    difference: { estimate, low, high },
    outcome: "better",
  });

  it("keeps the sign and a tenth of a millisecond on small latency bounds, whole milliseconds on large ones", () => {
    expect(describeDifference(latency(-2.6, -6.2, -0.04))).toBe("-2.6 ms [-6.2 ms, -0.04 ms]");
    expect(describeDifference(latency(-1234.4, -2000.2, -15.6))).toBe("-1,234 ms [-2,000 ms, -16 ms]");
  });
});
