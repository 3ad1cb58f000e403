import { describe, expect, it } from "vitest";
import { NOT_FOUND_PHRASE } from "../src/contract.js";
import { gradeRecord, gradeRecords } from "../harness/grading/grade-records.js";
import { GradedRecordSchema } from "../harness/grading/graded-record-schema.js";
import type { Judge } from "../harness/grading/judge.js";
import { HarnessError } from "../harness/errors.js";
import { makeItem, makeRecord } from "../harness/testing/builders.js";

// The default record: answer contains "maxAttempts", cites src/retry.ts:10-12 inside evidence 1-40, one productive search.
const item = makeItem({ id: "q", route: "code", expected_files: ["src/retry.ts"], expected_facts: ["maxAttempts"] });
const label = async (overrides: Parameters<typeof makeRecord>[0], it = item) => (await gradeRecord(makeRecord(overrides), it)).label;

describe("trace labels: exactly one per record, by precedence", () => {
  it("correct", async () => {
    expect(await label({ questionId: "q" })).toBe("correct");
  });
  it("correct_but_wasteful: correct with a needless call", async () => {
    expect(
      await label({
        questionId: "q",
        toolsCalled: [
          { name: "search_code", args: { query: "retry" }, ms: 1, resultCount: 1 },
          { name: "search_code", args: { query: "retry" }, ms: 1, resultCount: 0 },
        ],
      }),
    ).toBe("correct_but_wasteful");
  });
  it("error beats everything", async () => {
    expect(await label({ questionId: "q", error: { code: "timeout", message: "slow" } })).toBe("error");
  });
  it("hallucinated: a citation outside the evidence, even when the facts are right", async () => {
    expect(await label({ questionId: "q", citations: [{ path: "src/retry.ts", startLine: 50, endLine: 60 }] })).toBe("hallucinated");
  });
  it("hallucinated: an unanswerable question answered", async () => {
    const unanswerable = makeItem({ id: "q", answerable: false, expected_files: [], expected_facts: [] });
    expect(await label({ questionId: "q", answer: "It uses Kafka." }, unanswerable)).toBe("hallucinated");
    expect(await label({ questionId: "q", answer: `That is ${NOT_FOUND_PHRASE}.`, citations: [] }, unanswerable)).toBe("correct");
  });
  it("wrong_route: orchestrated, expected specialist never ran, answer wrong", async () => {
    const base = { questionId: "q", pipeline: "orchestrated" as const, answer: "no idea", route: "docs" as const, routesRun: ["docs" as const] };
    expect(await label(base)).toBe("wrong_route");
    // the right specialist ran in a fan-out: not a routing failure
    expect(await label({ ...base, routesRun: ["docs", "code"] })).toBe("incomplete_evidence_use");
    // a wrong route with a correct answer is still correct
    expect(await label({ ...base, answer: "maxAttempts" })).toBe("correct");
  });
  it("missing_evidence: no expected file among the evidence", async () => {
    expect(
      await label({
        questionId: "q",
        answer: "no idea",
        citations: [],
        evidence: [{ path: "src/other.ts", startLine: 1, endLine: 5, kind: "code", score: 1, text: "x" }],
        evidencePaths: ["src/other.ts"],
      }),
    ).toBe("missing_evidence");
  });
  it("wrong_format: empty answer, or no citations although evidence was gathered, or not-found with citations", async () => {
    expect(await label({ questionId: "q", answer: "" })).toBe("wrong_format");
    expect(await label({ questionId: "q", answer: "something", citations: [] })).toBe("wrong_format");
    const unanswerable = makeItem({ id: "q", answerable: false, expected_files: [], expected_facts: [] });
    expect(await label({ questionId: "q", answer: `That is ${NOT_FOUND_PHRASE}.` }, unanswerable)).toBe("wrong_format");
  });
  it("partial_answer: some expected facts", async () => {
    const twoFacts = makeItem({ id: "q", expected_facts: ["maxAttempts", "jitter"] });
    expect(await label({ questionId: "q" }, twoFacts)).toBe("partial_answer");
  });
  it("incomplete_evidence_use: wrong although the evidence was there (including a wrong 'not found')", async () => {
    expect(await label({ questionId: "q", answer: "It retries forever." })).toBe("incomplete_evidence_use");
    expect(await label({ questionId: "q", answer: `That is ${NOT_FOUND_PHRASE}.`, citations: [] })).toBe("incomplete_evidence_use");
  });
  it("a graded record carries its grades, reason and expected route, and validates", async () => {
    const graded = await gradeRecord(makeRecord({ questionId: "q", answer: "It retries forever." }), item);
    expect(graded.labelReason).toMatch(/answer wrong/);
    expect(graded.expectedRoute).toBe("code");
    expect(graded.verdictSource).toBe("rule");
    expect(GradedRecordSchema.safeParse(JSON.parse(JSON.stringify(graded))).success).toBe(true);
  });
  it("--label-from judge uses the judge's verdict; the rule verdict stays recorded", async () => {
    const lenient: Judge = { model: "fake", judge: async () => ({ verdict: "correct", rationale: "paraphrase" }) };
    const record = makeRecord({ questionId: "q", answer: "It tries three times (src/retry.ts:10)." });
    const byRule = await gradeRecord(record, item, { judge: lenient });
    const byJudge = await gradeRecord(record, item, { judge: lenient, labelFrom: "judge" });
    expect(byRule.label).toBe("incomplete_evidence_use");
    expect(byJudge.label).toBe("correct");
    expect(byJudge.verdictSource).toBe("judge");
    expect(byJudge.grades.answer.verdict).toBe("wrong");
  });
  it("gradeRecords refuses records of questions the benchmark does not have, and calls onGraded per record", async () => {
    await expect(gradeRecords([makeRecord({ questionId: "zzz" })], [item])).rejects.toBeInstanceOf(HarnessError);
    const seen: string[] = [];
    await gradeRecords([makeRecord({ questionId: "q" }), makeRecord({ questionId: "q", repeat: 1 })], [item], {
      onGraded: (record, grades) => {
        seen.push(`${record.repeat}:${grades.answer.verdict}`);
      },
    });
    expect(seen.sort()).toEqual(["0:correct", "1:correct"]);
  });
});
