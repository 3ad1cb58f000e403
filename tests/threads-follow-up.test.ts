import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServices, type AppServices } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { isFollowUp, resolveFollowUp } from "../specialists/shared/follow-up.js";
import type { Turn } from "../specialists/types.js";

/**
 * Offline follow-up resolution on the sample repository: "and where is it tested?" after "how is
 * the HMAC signature computed?" must find the HMAC tests, which it cannot without the thread.
 */

const FIRST = "how is the HMAC signature computed?";
const FOLLOW_UP = "and where is it tested?";
const TEST_FILE = "tests/hmac.test.ts";

let indexCache: string;
let services: AppServices;

beforeAll(async () => {
  indexCache = await mkdtemp(path.join(tmpdir(), "threads-follow-up-"));
  services = await createServices(loadConfig({ INDEX_CACHE_DIR: indexCache, STATE_DB_PATH: ":memory:" }));
});
afterAll(async () => {
  await services.close();
  await rm(indexCache, { recursive: true, force: true });
});

const turn = (question: string, citations: Turn["citations"] = []): Turn => ({ question, answer: "…", route: "code", citations });

describe.each(["orchestrated", "baseline"] as const)("the %s pipeline, offline, in a thread", (pipeline) => {
  it("answers a follow-up about the subject of the turn before: the pronoun's tests are cited", async () => {
    const threadId = `hmac-${pipeline}`;
    const first = await services.pipelines[pipeline].run(FIRST, { threadId });
    expect(first.citations.map((c) => c.path)).toContain("src/signing/hmac.ts");

    const followUp = await services.pipelines[pipeline].run(FOLLOW_UP, { threadId });
    expect(followUp.notFound).toBe(false);
    expect(followUp.citations[0]!.path).toBe(TEST_FILE);
    // It was searched for with the subject carried in.
    expect(followUp.toolsCalled.some((call) => /hmac/i.test(String(call.args["query"] ?? "")))).toBe(true);
  });

  it("cannot answer the same follow-up without the thread (the memory is what finds the subject)", async () => {
    const alone = await services.pipelines[pipeline].run(FOLLOW_UP);
    expect(alone.citations.map((c) => c.path)).not.toContain(TEST_FILE);
  });
});

describe("follow-up resolution", () => {
  const hmacTurn = turn(FIRST, [{ path: "src/signing/hmac.ts", startLine: 28, endLine: 30 }]);

  it("carries the earlier turn's subject (its question's informative words) into an anaphoric question", () => {
    const resolved = resolveFollowUp(services.index, FOLLOW_UP, [hmacTurn]);
    expect(resolved.carried.map((word) => word.toLowerCase())).toEqual(expect.arrayContaining(["hmac", "signature"]));
    expect(resolved.text).toBe(`${FOLLOW_UP} (${resolved.carried.join(" ")})`);
    expect(resolved.ownTerms).toEqual(["test"]);
  });

  it("carries the names of the code the earlier turn cited when its question named little", () => {
    const resolved = resolveFollowUp(services.index, "how is that tested?", [turn("what does this do?", [{ path: "src/signing/hmac.ts", startLine: 28, endLine: 30 }])]);
    // computeSignature encloses src/signing/hmac.ts:28, in the file hmac.ts.
    expect(resolved.carried.map((word) => word.toLowerCase())).toEqual(expect.arrayContaining(["signature", "hmac"]));
  });

  it("treats a fragment as a follow-up and traces the subject back through earlier follow-ups", () => {
    expect(isFollowUp(services.index, "what about the worker?")).toBe(true);
    const resolved = resolveFollowUp(services.index, "and how is it configured?", [hmacTurn, turn(FOLLOW_UP), turn("what about the worker?")]);
    expect(resolved.carried.map((word) => word.toLowerCase())).toEqual(expect.arrayContaining(["worker", "hmac", "signature"]));
  });

  it.each([
    ["a question with its own subject", "how are failed deliveries retried with backoff?"],
    ["a question naming an identifier, even with a pronoun", "where is computeSignature tested and who calls it?"],
    ["a question naming a file", "what does it export from src/signing/keys.ts?"],
  ])("leaves %s alone", (_case, question) => {
    expect(isFollowUp(services.index, question)).toBe(false);
    expect(resolveFollowUp(services.index, question, [hmacTurn])).toEqual({ text: question, carried: [], ownTerms: [] });
  });

  it("has nothing to resolve against at the start of a thread", () => {
    expect(resolveFollowUp(services.index, FOLLOW_UP, [])).toEqual({ text: FOLLOW_UP, carried: [], ownTerms: [] });
  });
});
