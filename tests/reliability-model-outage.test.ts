import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createServices, type AppServices } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { AskResultSchema, type AskResult } from "../src/contract.js";
import type { RepositoryIndex } from "../src/index/repository-index.js";
import { loadRouteClassifier } from "../src/models/offline/router/index.js";
import { ClassifierRouter } from "../src/models/routing.js";
import { buildServer, type ApiServer } from "../src/server/app.js";
import { ThreadSchema } from "../src/server/schemas.js";
import { SPECIALISTS } from "../specialists/index.js";
import {
  contentText,
  evidenceHeaders,
  match,
  messagesOf,
  reply,
  scriptedOpenAIEnv,
  startScriptedOpenAIServer,
  type RecordedRequest,
  type ScriptedOpenAIServer,
  type ScriptedReply,
} from "./helpers/scripted-openai-server.js";

/**
 * The service through a model outage, end to end over HTTP with a persistent thread store: the
 * model server answers 500s, malformed JSON, or nothing at all (past MODEL_TIMEOUT_MS), one after
 * another and under concurrent requests. Single failures, retries and the breaker's states are
 * covered in openai-failures and degradation-*; this file proves what a client sees across an
 * outage: every request answered (degraded once the breaker opens), no thread losing a turn, and
 * the model used again, with the thread's memory intact, once it is back.
 */

const MODEL_TIMEOUT_MS = 300;
/** Long enough that the breaker cannot half-open by itself while a test runs; the recovery test moves the clock. */
const COOLDOWN_MS = 600_000;

const isSpecialist = (route: keyof typeof SPECIALISTS) => match.systemPromptIncludes(SPECIALISTS[route].systemPrompt);
const anySpecialist = (request: RecordedRequest) => !match.router(request);

/** A specialist turn that searches once, then answers citing what it found. */
function searchThenCite(request: RecordedRequest): ScriptedReply {
  const tool = messagesOf(request, "tool")[0];
  if (!tool) return reply.toolCall("search_code", { query: "verifySignature" });
  const evidence = evidenceHeaders(contentText(tool))[0];
  return reply.text(evidence ? `See ${evidence.path}:${evidence.startLine}-${evidence.endLine}.` : "It was not found in this repository.");
}

/** The failures of an outage, in turn: a server error, a body that is not JSON, no answer at all. */
const OUTAGE_FAILURES: Array<() => ScriptedReply> = [() => reply.error(500), () => reply.malformedJson(), () => reply.hang(), () => reply.error(503)];

let indexCache: string;
let index: RepositoryIndex;

beforeAll(async () => {
  indexCache = await mkdtemp(path.join(tmpdir(), "reliability-model-"));
  const bootstrap = await createServices(loadConfig({ INDEX_CACHE_DIR: indexCache, STATE_DB_PATH: ":memory:" }));
  index = bootstrap.index;
  await bootstrap.close();
});
afterAll(() => rm(indexCache, { recursive: true, force: true }));

/** A service over the scripted model server, with threads in a SQLite file and its log captured. */
async function startService(server: ScriptedOpenAIServer) {
  const stateDir = await mkdtemp(path.join(tmpdir(), "reliability-model-state-"));
  const config = loadConfig(
    scriptedOpenAIEnv(server, indexCache, {
      MODEL_MAX_RETRIES: "0",
      MODEL_TIMEOUT_MS: String(MODEL_TIMEOUT_MS),
      SPECIALIST_MAX_ATTEMPTS: "2",
      MODEL_CIRCUIT_FAILURES: "3",
      MODEL_CIRCUIT_COOLDOWN_MS: String(COOLDOWN_MS),
      STATE_DB_PATH: path.join(stateDir, "state.sqlite"),
      AUTH: "off",
      RATE_LIMIT_MAX: "0",
      LOG_LEVEL: "info",
    }),
  );
  const services = await createServices(config, { index });
  const log: string[] = [];
  const app = buildServer({ config, services, logger: { stream: { write: (line) => void log.push(line) } } });
  await app.ready();
  return {
    services,
    app,
    log,
    async close() {
      await app.close();
      await services.close();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}

async function ask(app: ApiServer, body: Record<string, unknown>): Promise<AskResult> {
  const response = await app.inject({ method: "POST", url: "/ask", headers: { "content-type": "application/json" }, payload: JSON.stringify(body) });
  expect(response.statusCode, response.body).toBe(200);
  return AskResultSchema.parse(response.json());
}

async function threadTurns(app: ApiServer, threadId: string) {
  const response = await app.inject({ method: "GET", url: `/threads/${threadId}` });
  expect(response.statusCode, response.body).toBe(200);
  return ThreadSchema.parse(response.json()).turns;
}

const loggedErrors = (log: string[]) => log.map((line) => JSON.parse(line) as { level: number; msg: string }).filter((entry) => entry.level >= 50);

describe("a thread through a model outage", () => {
  const THREAD = "through-the-outage";
  const BEFORE = "Where is verifySignature defined?";
  const DURING = "How does the worker compute the retry backoff delay?";
  const WHILE_OPEN = "Which HTTP headers does the worker set on each delivery request?";
  const AFTER = "And where is that tested?";
  let server: ScriptedOpenAIServer;
  let service: Awaited<ReturnType<typeof startService>>;

  beforeAll(async () => {
    server = await startScriptedOpenAIServer();
    service = await startService(server);
  });
  afterAll(async () => {
    vi.useRealTimers();
    await service?.close();
    await server?.close();
  });

  it("keeps every turn asked before, during and after the outage, and the model sees them all when it is back", async () => {
    const classifierRoute = new ClassifierRouter(loadRouteClassifier()).classify(DURING).route;
    expect(classifierRoute).not.toBe("general");

    // Before: the model answers.
    server.script(
      { label: "router", when: match.router, reply: reply.toolCall("route_question", { route: "code", confidence: 0.9, reason: "a definition" }) },
      { label: "code 1", when: isSpecialist("code"), reply: searchThenCite },
      { label: "code 2", when: isSpecialist("code"), reply: searchThenCite },
    );
    const before = await ask(service.app, { question: BEFORE, threadId: THREAD });
    expect(before).toMatchObject({ routerSource: "model", provider: "openai" });
    expect(before.degraded).toBeUndefined();

    // The outage: the router's call hangs past MODEL_TIMEOUT_MS, the specialist gets malformed JSON, then a 500.
    server.script(
      { label: "router hangs", when: match.router, reply: reply.hang() },
      { label: "specialist: malformed JSON", when: anySpecialist, reply: reply.malformedJson() },
      { label: "specialist: 500", when: anySpecialist, reply: reply.error(500) },
    );
    const during = await ask(service.app, { question: DURING, threadId: THREAD });
    expect(during).toMatchObject({ degraded: true, routerSource: "classifier_fallback", routesRun: ["general"] });
    expect(during.answer.length).toBeGreaterThan(0);
    expect(server.pending()).toEqual([]);

    // While the breaker is open: answered offline, the model not called at all.
    const callsBefore = server.requests.length;
    const whileOpen = await ask(service.app, { question: WHILE_OPEN, threadId: THREAD });
    expect(whileOpen).toMatchObject({ degraded: true, routerSource: "classifier", usage: { inputTokens: 0, outputTokens: 0 } });
    expect(server.requests.length).toBe(callsBefore);

    expect(await threadTurns(service.app, THREAD)).toEqual(
      [
        [BEFORE, before],
        [DURING, during],
        [WHILE_OPEN, whileOpen],
      ].map(([question, result]) => ({ question, answer: (result as AskResult).answer, route: (result as AskResult).route, citations: (result as AskResult).citations, at: expect.any(String) })),
    );

    // The model is back after the cooldown: the follow-up is answered by it, with the whole thread in its prompt.
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() + COOLDOWN_MS);
    expect(service.services.modelCircuit?.state).toBe("half_open");
    vi.useRealTimers();
    server.script(
      { label: "router", when: match.router, reply: reply.toolCall("route_question", { route: "code", confidence: 0.9, reason: "tests" }) },
      { label: "code 1", when: isSpecialist("code"), reply: searchThenCite },
      { label: "code 2", when: isSpecialist("code"), reply: searchThenCite },
    );
    const routerCallsBefore = server.requests.filter(match.router).length;
    const after = await ask(service.app, { question: AFTER, threadId: THREAD });
    expect(after.degraded).toBeUndefined();
    expect(after).toMatchObject({ routerSource: "model", route: "code", warnings: [] });
    const routerPrompt = contentText(messagesOf(server.requests.filter(match.router)[routerCallsBefore]!, "user")[0]);
    for (const question of [BEFORE, DURING, WHILE_OPEN]) expect(routerPrompt).toContain(`Q: ${question}`);
    expect(routerPrompt).toContain(`A: ${whileOpen.answer.slice(0, 40)}`);

    expect((await threadTurns(service.app, THREAD)).map((turn) => turn.question)).toEqual([BEFORE, DURING, WHILE_OPEN, AFTER]);
    expect(server.unmatched).toEqual([]);
    expect(server.pending()).toEqual([]);
    expect(loggedErrors(service.log)).toEqual([]);
  });
});

describe("concurrent requests while the model server fails in every way", () => {
  const QUESTIONS = [
    "Where is verifySignature defined?",
    "How does the worker compute the retry backoff delay?",
    "How do I verify the Hookrelay signature in a Python receiver?",
    "Which third-party Python packages does the worker depend on?",
    "How are idempotency keys enforced when an event is inserted?",
    "What does TokenBucket.tryRemove do when there aren't enough tokens left?",
    "How long are API key lookups cached?",
    "Which HTTP headers does the worker set on each delivery request?",
  ];
  const REQUESTS = 24;
  const THREADS = 4;
  let server: ScriptedOpenAIServer;
  let service: Awaited<ReturnType<typeof startService>>;

  beforeAll(async () => {
    server = await startScriptedOpenAIServer();
    service = await startService(server);
  });
  afterAll(async () => {
    await service?.close();
    await server?.close();
  });

  it("answers every request, degraded once the breaker opens, and records every threaded turn", async () => {
    // More failing replies than the requests could ever ask for: each model call gets the next failure.
    let failureCount = 0;
    server.script(...Array.from({ length: REQUESTS * 10 }, () => ({ reply: () => OUTAGE_FAILURES[failureCount++ % OUTAGE_FAILURES.length]!() })));

    const requests = Array.from({ length: REQUESTS }, (_, i) => ({
      question: `${QUESTIONS[i % QUESTIONS.length]} (#${i})`,
      pipeline: i % 3 === 2 ? "baseline" : "orchestrated",
      ...(i % 2 === 0 ? { threadId: `mixed-${(i / 2) % THREADS}` } : {}),
    }));
    const results = await Promise.all(requests.map((body) => ask(service.app, body)));

    for (const result of results) expect(result.answer.length).toBeGreaterThan(0);
    // The breaker opened after 3 failed calls; every request that found it open says so.
    expect(service.services.modelCircuit?.state).toBe("open");
    expect(results.filter((result) => result.degraded).length).toBeGreaterThan(0);
    for (const result of results.filter((r) => r.degraded)) expect(result.degradedReason).toMatch(/answering offline/);

    // Every threaded question is a turn of its thread, once, with the answer its client was given.
    for (let t = 0; t < THREADS; t++) {
      const threadId = `mixed-${t}`;
      const asked = requests.flatMap((body, i) => (body.threadId === threadId ? [{ question: body.question, answer: results[i]!.answer }] : []));
      if (asked.length === 0) continue;
      const turns = await threadTurns(service.app, threadId);
      expect(turns.map((turn) => turn.question).sort()).toEqual(asked.map((a) => a.question).sort());
      for (const { question, answer } of asked) expect(turns.find((turn) => turn.question === question)?.answer).toBe(answer);
    }

    // While open, the service still answers without touching the model, and says it is ready.
    const callsBefore = server.requests.length;
    const next = await ask(service.app, { question: QUESTIONS[0]! });
    expect(next.degraded).toBe(true);
    expect(server.requests.length).toBe(callsBefore);
    const ready = await service.app.inject({ method: "GET", url: "/readyz" });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({ status: "ready", modelCircuit: "open" });
    expect(server.unmatched).toEqual([]);
    expect(loggedErrors(service.log)).toEqual([]);
  });
});
