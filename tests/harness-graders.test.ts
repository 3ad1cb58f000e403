import { describe, expect, it } from "vitest";
import { NOT_FOUND_PHRASE } from "../src/contract.js";
import { answerGrader } from "../harness/grading/answer-grader.js";
import { EXPECTED_TOOLS_BY_ROUTE } from "../harness/grading/expected-tools.js";
import { claimedLocations, groundingGrader, quotedLines } from "../harness/grading/grounding-grader.js";
import { judgeGrader } from "../harness/grading/judge-grader.js";
import type { Judge } from "../harness/grading/judge.js";
import { saysNotFound } from "../harness/grading/not-found.js";
import { GRADERS, GradesSchema } from "../harness/grading/registry.js";
import { retrievalGrader } from "../harness/grading/retrieval-grader.js";
import { routeGrader } from "../harness/grading/route-grader.js";
import { toolGrader } from "../harness/grading/tool-grader.js";
import { makeItem, makeRecord } from "../harness/testing/builders.js";

describe("not-found matcher", () => {
  it("accepts the fixed phrase and the documented equivalents", () => {
    expect(saysNotFound(`That is ${NOT_FOUND_PHRASE}.`)).toBe(true);
    expect(saysNotFound("NOT FOUND IN THIS REPOSITORY")).toBe(true);
    expect(saysNotFound("A GraphQL API is not present in the repository.")).toBe(true);
    expect(saysNotFound("The repository does not contain a Kafka consumer.")).toBe(true);
    expect(saysNotFound("There is no mention of OAuth anywhere in this codebase.")).toBe(true);
    expect(saysNotFound("I could not find any rate limiter in this repo.")).toBe(true);
  });
  it("does not fire on answers that describe code behaviour", () => {
    expect(saysNotFound("loadConfig throws ConfigError when the file could not be found.")).toBe(false);
    expect(saysNotFound("The retry limit is 3 (src/retry.ts).")).toBe(false);
    expect(saysNotFound("Returns 404 Not Found when the repository id is unknown.")).toBe(false);
  });
});

describe("answer grader", () => {
  const grade = (answer: string, item = makeItem({ id: "q", expected_facts: ["maxAttempts", "exponential"] }), citations = makeRecord({ questionId: "q" }).citations) =>
    answerGrader.grade({ record: makeRecord({ questionId: "q", answer, citations }), item });

  it("all facts → correct, some → partial, none → wrong (case-insensitive substrings)", () => {
    expect(grade("MAXATTEMPTS with Exponential backoff").verdict).toBe("correct");
    const partial = grade("maxAttempts only");
    expect(partial.verdict).toBe("partial");
    expect(partial.factCoverage).toBe(0.5);
    expect(partial.factsMissing).toEqual(["exponential"]);
    expect(grade("something else").verdict).toBe("wrong");
  });
  it("an answerable item answered 'not found' is wrong", () => {
    const result = grade(`This is ${NOT_FOUND_PHRASE}.`);
    expect(result.verdict).toBe("wrong");
    expect(result.saidNotFound).toBe(true);
    expect(result.reason).toMatch(/said not found/);
    const noFacts = makeItem({ id: "q", expected_facts: [] });
    expect(grade(`Sorry, ${NOT_FOUND_PHRASE}.`, noFacts).verdict).toBe("wrong");
    expect(grade("An actual answer.", noFacts).verdict).toBe("correct");
    expect(grade("   ", noFacts).verdict).toBe("wrong");
  });
  it("unanswerable: correct iff it says not found and cites nothing", () => {
    const item = makeItem({ id: "u", answerable: false, expected_files: [], expected_facts: [] });
    expect(grade(`That is ${NOT_FOUND_PHRASE}.`, item, []).verdict).toBe("correct");
    expect(grade(`That is ${NOT_FOUND_PHRASE}.`, item).verdict).toBe("wrong"); // cites src/retry.ts
    expect(grade("It uses Kafka.", item, []).verdict).toBe("wrong");
  });
});

describe("retrieval grader", () => {
  it("hit, recall and precision over distinct evidence paths", () => {
    const item = makeItem({ id: "q", expected_files: ["src/a.ts", "src/b.ts", "docs/"] });
    const record = makeRecord({
      questionId: "q",
      evidence: [
        { path: "./src/a.ts", startLine: 1, endLine: 5, kind: "code", score: 1, text: "a" },
        { path: "src/a.ts", startLine: 9, endLine: 12, kind: "code", score: 1, text: "a2" },
        { path: "docs/guide.md", startLine: 1, endLine: 5, kind: "doc", score: 1, text: "g" },
        { path: "src/c.ts", startLine: 1, endLine: 5, kind: "code", score: 1, text: "c" },
      ],
      evidencePaths: [],
      citations: [{ path: "src/c.ts", startLine: 1, endLine: 2 }],
    });
    const grade = retrievalGrader.grade({ record, item });
    // evidence paths {src/a.ts, docs/guide.md, src/c.ts}; expected found: src/a.ts and docs/ → recall 2/3
    expect(grade.hit).toBe(true);
    expect(grade.recall).toBeCloseTo(2 / 3, 12);
    // relevant distinct paths: src/a.ts, docs/guide.md → 2/3
    expect(grade.precision).toBeCloseTo(2 / 3, 12);
    expect(grade.expectedMissing).toEqual(["src/b.ts"]);
    expect(grade.citesExpected).toBe(false);
  });
  it("no expected files → not applicable; no evidence → miss", () => {
    expect(retrievalGrader.grade({ record: makeRecord({ questionId: "q" }), item: makeItem({ id: "q", expected_files: [] }) }).applicable).toBe(false);
    const miss = retrievalGrader.grade({ record: makeRecord({ questionId: "q", evidence: [], evidencePaths: [] }), item: makeItem({ id: "q" }) });
    expect(miss).toMatchObject({ hit: false, recall: 0, precision: null });
  });
});

describe("route grader", () => {
  it("grades the orchestrated route and skips the baseline", () => {
    const item = makeItem({ id: "q", route: "docs" });
    expect(routeGrader.grade({ record: makeRecord({ questionId: "q", pipeline: "baseline", route: null }), item })).toMatchObject({ applicable: false, correct: null });
    expect(routeGrader.grade({ record: makeRecord({ questionId: "q", pipeline: "orchestrated", route: "docs", routesRun: ["docs"] }), item })).toMatchObject({ applicable: true, correct: true, expectedRan: true });
    // low-confidence fan-out: router chose code, but docs also ran
    expect(routeGrader.grade({ record: makeRecord({ questionId: "q", pipeline: "orchestrated", route: "code", routesRun: ["code", "docs"] }), item })).toMatchObject({ correct: false, expectedRan: true });
    expect(routeGrader.grade({ record: makeRecord({ questionId: "q", pipeline: "orchestrated", route: "code", routesRun: ["code"] }), item })).toMatchObject({ correct: false, expectedRan: false });
  });
});

describe("tool grader and the needless-call rule", () => {
  const item = makeItem({ id: "q", route: "code", expected_files: ["src/retry.ts"] });
  const evidenceFor = (...paths: string[]) => paths.map((path) => ({ path, startLine: 1, endLine: 40, kind: "code" as const, score: 1, text: "x" }));

  it("uses the one expected-tools table", () => {
    expect(EXPECTED_TOOLS_BY_ROUTE.code).toEqual(["search_code", "find_symbol", "read_file"]);
    expect(EXPECTED_TOOLS_BY_ROUTE.general).toBe("any");
    const grade = toolGrader.grade({
      record: makeRecord({
        questionId: "q",
        toolsCalled: [
          { name: "search_code", args: { query: "retry" }, ms: 1, resultCount: 1 },
          { name: "search_docs", args: { query: "retry" }, ms: 1, resultCount: 1 },
        ],
        evidence: evidenceFor("src/retry.ts", "docs/retry.md"),
        citations: [{ path: "src/retry.ts", startLine: 1, endLine: 2 }, { path: "docs/retry.md", startLine: 1, endLine: 2 }],
      }),
      item,
    });
    expect(grade.expectedTools).toEqual(["search_code", "find_symbol", "read_file"]);
    expect(grade.offRouteCalls).toBe(1);
    expect(grade.usedExpectedTool).toBe(true);
    expect(grade.needlessCount).toBe(0);
    expect(grade.attribution).toBe("sequential");
  });

  it("flags an identical repeated call as duplicate (argument order does not matter)", () => {
    const grade = toolGrader.grade({
      record: makeRecord({
        questionId: "q",
        toolsCalled: [
          { name: "read_file", args: { path: "src/retry.ts", start: 1 }, ms: 1, resultCount: 1 },
          { name: "read_file", args: { start: 1, path: "src/retry.ts" }, ms: 1, resultCount: 1 },
        ],
        evidence: evidenceFor("src/retry.ts", "src/retry.ts"),
      }),
      item,
    });
    expect(grade.needless).toEqual([{ index: 1, name: "read_file", reason: "duplicate" }]);
  });

  it("flags an empty call unless it was reformulated or the answer is 'not found'", () => {
    const calls = [
      { name: "search_code", args: { query: "retry policy" }, ms: 1, resultCount: 0 },
      { name: "search_code", args: { query: "retry" }, ms: 1, resultCount: 1 },
      { name: "find_symbol", args: { name: "Backoff" }, ms: 1, resultCount: 0 },
      { name: "search_docs", args: { query: "x" }, ms: 1, error: "index missing" },
    ];
    const grade = toolGrader.grade({ record: makeRecord({ questionId: "q", toolsCalled: calls, evidence: evidenceFor("src/retry.ts") }), item });
    expect(grade.needless).toEqual([
      { index: 2, name: "find_symbol", reason: "empty_unused" },
      { index: 3, name: "search_docs", reason: "empty_unused" },
    ]);
    const notFound = toolGrader.grade({
      record: makeRecord({ questionId: "q", answer: "This is not found in this repository.", citations: [], toolsCalled: calls, evidence: evidenceFor("src/retry.ts") }),
      item,
    });
    expect(notFound.needlessCount).toBe(0);
  });

  it("flags results that contributed no citation and no expected file", () => {
    const grade = toolGrader.grade({
      record: makeRecord({
        questionId: "q",
        toolsCalled: [
          { name: "search_code", args: { query: "retry" }, ms: 1, resultCount: 1 },
          { name: "search_code", args: { query: "logger" }, ms: 1, resultCount: 2 },
        ],
        evidence: evidenceFor("src/retry.ts", "src/log.ts", "src/log-format.ts"),
        citations: [{ path: "src/retry.ts", startLine: 1, endLine: 2 }],
      }),
      item,
    });
    expect(grade.needless).toEqual([{ index: 1, name: "search_code", reason: "no_contribution" }]);
  });

  it("without sequential attribution only path arguments are judged", () => {
    const grade = toolGrader.grade({
      record: makeRecord({
        questionId: "q",
        toolsCalled: [
          { name: "search_code", args: { query: "config.timeout" }, ms: 1 }, // resultCount unknown: not judged
          { name: "read_file", args: { path: "src/unrelated.ts" }, ms: 1 },
          { name: "read_file", args: { path: "./src/retry.ts" }, ms: 1 },
        ],
        evidence: evidenceFor("src/retry.ts"),
        citations: [{ path: "src/retry.ts", startLine: 1, endLine: 2 }],
      }),
      item,
    });
    expect(grade.attribution).toBe("by_args");
    expect(grade.needless).toEqual([{ index: 1, name: "read_file", reason: "no_contribution" }]);
  });
});

describe("grounding grader (hallucination)", () => {
  const evidence = [
    { path: "src/retry.ts", startLine: 10, endLine: 20, kind: "code" as const, score: 1, text: "export function retry(fn, maxAttempts = 3) {\n  return backoff(fn);\n}" },
    { path: "src/retry.ts", startLine: 21, endLine: 30, kind: "code" as const, score: 1, text: "function backoff() {}" },
  ];
  const grade = (answer: string, citations = [{ path: "src/retry.ts", startLine: 12, endLine: 14 }], question = "How does retry work?") =>
    groundingGrader.grade({ record: makeRecord({ questionId: "q", answer, citations, evidence, question }), item: makeItem({ id: "q" }) });

  it("accepts citations inside (merged, adjacent) evidence ranges", () => {
    expect(grade("ok", [{ path: "src/retry.ts", startLine: 18, endLine: 25 }]).hallucinated).toBe(false);
    expect(grade("ok", [{ path: "./src/retry.ts", startLine: 10, endLine: 30 }]).hallucinated).toBe(false);
  });
  it("flags a citation outside every evidence range or in another file", () => {
    expect(grade("ok", [{ path: "src/retry.ts", startLine: 25, endLine: 31 }]).unsupportedCitations).toHaveLength(1);
    expect(grade("ok", [{ path: "src/other.ts", startLine: 1, endLine: 2 }]).hallucinated).toBe(true);
  });
  it("reads path:line claims in the text; suffix paths are fine; host:port is not a claim", () => {
    expect(claimedLocations("see retry.ts:12-14 and http://localhost:3000 and example.com:8080").map((c) => c.text)).toEqual(["retry.ts:12-14"]);
    expect(grade("It is defined at src/retry.ts:12.").hallucinated).toBe(false);
    expect(grade("It is defined at retry.ts#L11-L13.").hallucinated).toBe(false);
    expect(grade("It is defined at src/retry.ts:95.").unsupportedClaims).toEqual(["src/retry.ts:95"]);
    // repeating a location the user gave in the question is not invention
    expect(grade("The crash is at src/server.ts:42.", undefined, "Why does src/server.ts:42 crash?").hallucinated).toBe(false);
  });
  it("flags fenced-code lines that are not in the evidence text", () => {
    expect(quotedLines("```ts\n12: export function retry(fn, maxAttempts = 3) {\n}\n```")).toEqual(["export function retry(fn, maxAttempts = 3) {"]);
    expect(grade("```ts\nexport function retry(fn,   maxAttempts = 3) {\n  return backoff(fn);\n```").hallucinated).toBe(false);
    expect(grade("```ts\nexport function retry(fn, maxAttempts = 5) {\n```").unsupportedQuotes).toEqual(["export function retry(fn, maxAttempts = 5) {"]);
  });
  it("checks blockquoted lines as quotes, and does not read a fence inside a blockquote as a fence", () => {
    const answer = "docs/a.md (docs/a.md:1-4):\n> Retries back off exponentially.\n> ```ts\n> retry({ attempts: 3 })\n> ```";
    expect(quotedLines(answer)).toEqual(["Retries back off exponentially.", "retry({ attempts: 3 })"]);
    expect(quotedLines("> Retries back off forever and ever.")).toEqual(["Retries back off forever and ever."]);
    expect(grade("> Retries back off forever and ever.").unsupportedQuotes).toEqual(["Retries back off forever and ever."]);
  });
});

describe("judge grader and the registry", () => {
  const item = makeItem({ id: "q" });
  it("returns null without a judge or for an error record, the verdict with one, and survives a failing judge", async () => {
    const judge: Judge = { model: "fake-judge", judge: async (input) => ({ verdict: input.answer.includes("maxAttempts") ? "correct" : "wrong", rationale: "fake" }) };
    expect(await judgeGrader.grade({ record: makeRecord({ questionId: "q" }), item })).toBeNull();
    expect(await judgeGrader.grade({ record: makeRecord({ questionId: "q", error: { code: "x", message: "y" } }), item, judge })).toBeNull();
    expect(await judgeGrader.grade({ record: makeRecord({ questionId: "q" }), item, judge })).toEqual({ model: "fake-judge", verdict: "correct", rationale: "fake", error: null });
    const broken: Judge = { model: "broken", judge: async () => Promise.reject(new Error("rate limited")) };
    expect(await judgeGrader.grade({ record: makeRecord({ questionId: "q" }), item, judge: broken })).toMatchObject({ verdict: null, error: "rate limited" });
  });
  it("the grades schema is built from the registry", async () => {
    expect(GRADERS.map((g) => g.name)).toEqual(["answer", "retrieval", "tools", "route", "grounding", "judge"]);
    const record = makeRecord({ questionId: "q" });
    const grades = Object.fromEntries(await Promise.all(GRADERS.map(async (g) => [g.name, await g.grade({ record, item })])));
    expect(GradesSchema.safeParse(grades).success).toBe(true);
    expect(GradesSchema.safeParse({ ...grades, answer: { verdict: "maybe" } }).success).toBe(false);
  });
});
