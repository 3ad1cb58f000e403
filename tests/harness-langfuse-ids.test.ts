import { describe, expect, it } from "vitest";
import { datasetItemId, datasetRunName, deterministicUuid } from "../harness/langfuse/ids.js";
import { traceScoreId } from "../harness/langfuse/trace-scores.js";

describe("Langfuse ids the harness derives", () => {
  it("derives the same UUID-shaped id from the same parts, and different ids from any different part", () => {
    const record = { runId: "run-1", questionId: "q1", pipeline: "orchestrated" as const, repeat: 0 };
    const id = traceScoreId(record, "trace_label");
    expect(traceScoreId({ ...record }, "trace_label")).toBe(id);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const variants = [
      traceScoreId({ ...record, runId: "run-2" }, "trace_label"),
      traceScoreId({ ...record, questionId: "q2" }, "trace_label"),
      traceScoreId({ ...record, pipeline: "baseline" }, "trace_label"),
      traceScoreId({ ...record, repeat: 1 }, "trace_label"),
      traceScoreId(record, "answer_grade"),
    ];
    expect(new Set([id, ...variants]).size).toBe(6);
    // Parts are kept apart: ("a-b", "c") and ("a", "b-c") do not collide.
    expect(deterministicUuid("a-b", "c")).not.toBe(deterministicUuid("a", "b-c"));
  });

  it("names dataset runs per pipeline and repeat, and prefixes item ids with the dataset (Langfuse ids are per project)", () => {
    expect(datasetRunName("run-20250101T000000Z-abc123", "baseline", 2)).toBe("run-20250101T000000Z-abc123-baseline-r2");
    expect(datasetItemId("repoqa", "sample-code-01")).toBe("repoqa:sample-code-01");
    expect(datasetItemId("other", "sample-code-01")).not.toBe(datasetItemId("repoqa", "sample-code-01"));
    // Langfuse caps item ids at 255 characters: a longer one becomes a stable hash.
    const long = datasetItemId("d".repeat(200), "q".repeat(100));
    expect(long).toMatch(/^[0-9a-f-]{36}$/);
    expect(datasetItemId("d".repeat(200), "q".repeat(100))).toBe(long);
  });
});
