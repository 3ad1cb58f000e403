import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Tiktoken } from "js-tiktoken/lite";
import o200k from "js-tiktoken/ranks/o200k_base";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createServices, type AppServices } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import type { RepositoryIndex } from "../src/index/repository-index.js";
import { countTurnTokens, fitTurnsToBudget } from "../specialists/shared/context-window.js";
import { SPECIALISTS } from "../specialists/index.js";
import type { AgentDefinition, Turn } from "../specialists/types.js";
import { contentText, match, messagesOf, reply, scriptedOpenAIEnv, startScriptedOpenAIServer, type ScriptedOpenAIServer } from "./helpers/scripted-openai-server.js";

/**
 * What of a thread reaches a question: the newest turns that fit THREAD_CONTEXT_TOKENS, counted
 * with a real tokenizer, with no gap, offline and with a chat model (router and specialists).
 */

const tokenizer = new Tiktoken(o200k);
const textTokens = (turn: Turn) => tokenizer.encode(turn.question).length + tokenizer.encode(turn.answer).length;
const turn = (question: string, answer: string): Turn => ({ question, answer, route: "code", citations: [] });
const words = (count: number, word = "retry") => Array.from({ length: count }, (_, i) => `${word}${i}`).join(" ");

let indexCache: string;
let index: RepositoryIndex;

beforeAll(async () => {
  indexCache = await mkdtemp(path.join(tmpdir(), "threads-context-"));
  const bootstrap = await createServices(loadConfig({ INDEX_CACHE_DIR: indexCache, STATE_DB_PATH: ":memory:" }));
  index = bootstrap.index;
  await bootstrap.close();
});
afterAll(() => rm(indexCache, { recursive: true, force: true }));

describe("fitting turns to a token budget", () => {
  const turns = [turn("first?", words(40)), turn("second?", words(200)), turn("third?", words(30)), turn("fourth?", words(30))];

  it("keeps the newest turns that fit, oldest first, and stops at the first that does not: no gaps", async () => {
    const costs = await Promise.all(turns.map(countTurnTokens));
    // Room for the last two and for the first, but not for the long second one between them.
    const budget = costs[2]! + costs[3]! + costs[0]! + 1;
    const kept = await fitTurnsToBudget(turns, budget);
    expect(kept.map((t) => t.question)).toEqual(["third?", "fourth?"]);
    expect(kept.reduce((sum, t) => sum + textTokens(t), 0)).toBeLessThanOrEqual(budget);
  });

  it("counts tokens, not characters or words: a turn costs at least its question's and answer's tokens", async () => {
    const sample = turn("how is the HMAC signature computed?", "`computeSignature` in src/signing/hmac.ts (src/signing/hmac.ts:28-30)");
    const cost = await countTurnTokens(sample);
    expect(cost).toBeGreaterThanOrEqual(textTokens(sample));
    expect(cost).toBeLessThan(textTokens(sample) + 16);
    expect(await fitTurnsToBudget([sample], cost)).toEqual([sample]);
    expect(await fitTurnsToBudget([sample], cost - 1)).not.toEqual([sample]);
  });

  it("cuts the answer of a newest turn too long for the whole budget, keeping its question", async () => {
    const long = turn("what does the worker do?", words(1500, "delivery"));
    const [cut] = await fitTurnsToBudget([turn("older?", "older answer"), long], 120);
    expect(cut!.question).toBe(long.question);
    expect(cut!.answer.endsWith(" …")).toBe(true);
    expect(long.answer.startsWith(cut!.answer.slice(0, -2))).toBe(true);
    expect(await countTurnTokens(cut!)).toBeLessThanOrEqual(120);
    expect(await countTurnTokens(cut!)).toBeGreaterThan(100);
  });

  it("carries nothing with a budget of 0", async () => {
    expect(await fitTurnsToBudget(turns, 0)).toEqual([]);
  });
});

describe("the budget in the offline pipeline", () => {
  /** Specialists that record the history their strategy was given, then answer as usual. */
  const seen: Turn[][] = [];
  const recording = Object.fromEntries(
    Object.entries(SPECIALISTS).map(([route, agent]) => [
      route,
      { ...agent, gather: (context) => (seen.push([...context.history]), agent.gather(context)) } satisfies AgentDefinition,
    ]),
  );
  let stateDirectory: string;
  const opened: AppServices[] = [];
  const servicesWithBudget = async (tokens: number) => {
    const services = await createServices(
      loadConfig({ INDEX_CACHE_DIR: indexCache, STATE_DB_PATH: path.join(stateDirectory, "state.sqlite"), THREAD_CONTEXT_TOKENS: String(tokens) }),
      { index, specialists: recording },
    );
    opened.push(services);
    return services;
  };

  beforeAll(async () => {
    stateDirectory = await mkdtemp(path.join(tmpdir(), "threads-context-state-"));
  });
  afterAll(async () => {
    await Promise.all(opened.map((services) => services.close()));
    await rm(stateDirectory, { recursive: true, force: true });
  });

  it("hands the router's specialists only the newest turns that fit THREAD_CONTEXT_TOKENS", async () => {
    const roomy = await servicesWithBudget(100_000);
    const questions = ["how is the HMAC signature computed?", "how are retries scheduled?", "where is the rate limit configured?"];
    for (const question of questions) await roomy.pipelines.orchestrated.run(question, { threadId: "budgeted" });
    const turns = (await roomy.threads.turns("budgeted"))!;
    expect(seen.at(-1)!.map((t) => t.question)).toEqual(questions.slice(0, 2));

    const [, second, third] = await Promise.all(turns.map(countTurnTokens));
    const tight = await servicesWithBudget(second! + third! - 1);
    seen.length = 0;
    await tight.pipelines.orchestrated.run("and how is it tested?", { threadId: "budgeted" });
    expect(seen.length).toBeGreaterThan(0);
    for (const history of seen) expect(history.map((t) => t.question)).toEqual([questions[2]]);
  });
});

describe("the budget with a chat model", () => {
  let server: ScriptedOpenAIServer;
  let services: AppServices;
  const routeToCode = reply.toolCall("route_question", { route: "code", confidence: 0.95, reason: "code" });
  const codeSpecialist = match.systemPromptIncludes(SPECIALISTS.code.systemPrompt);
  const answers = ["`computeSignature` signs with HMAC-SHA256.", "Retries back off exponentially.", "It was not found in this repository."];
  const questions = ["How is the HMAC signature computed?", "How are retries scheduled?", "Where is it tested?"];

  beforeAll(async () => {
    server = await startScriptedOpenAIServer();
    const tokensOfSecondTurn = await countTurnTokens({ question: questions[1]!, answer: answers[1]!, route: "code", citations: [] });
    // Room for the newest earlier turn only.
    services = await createServices(loadConfig(scriptedOpenAIEnv(server, indexCache, { STATE_DB_PATH: ":memory:", THREAD_CONTEXT_TOKENS: String(tokensOfSecondTurn + 5) })), { index });
  });
  afterEach(() => {
    const unmatched = server.unmatched.length;
    server.reset();
    expect(unmatched).toBe(0);
  });
  afterAll(async () => {
    await services.close();
    await server.close();
  });

  it("sends the router and the specialist the thread's newest turns within the budget", async () => {
    for (const [i, question] of questions.entries()) {
      server.script({ when: match.router, reply: routeToCode }, { when: codeSpecialist, reply: reply.text(answers[i]!) });
      await services.pipelines.orchestrated.run(question, { threadId: "with-model" });
    }
    const [router, specialist] = server.requests.slice(-2);
    expect(contentText(messagesOf(router!, "user")[0])).toBe(
      `<conversation_so_far>\nQ: ${questions[1]}\nA: ${answers[1]}\n</conversation_so_far>\n<user_question>\n${questions[2]}\n</user_question>`,
    );
    expect(specialist!.body.messages.slice(1).map((m) => [m.role, contentText(m)])).toEqual([
      ["user", `<user_question>\n${questions[1]}\n</user_question>`],
      ["assistant", answers[1]],
      ["user", `<user_question>\n${questions[2]}\n</user_question>`],
    ]);
  });
});
