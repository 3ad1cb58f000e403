import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createServices, type AppServices } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { AskResultSchema, type AskResult } from "../src/contract.js";
import { CircuitBreaker, type CircuitTransition } from "../src/models/circuit-breaker.js";
import { DegradingProvider, recordDegradation } from "../src/models/degrading-provider.js";
import { loadRouteClassifier } from "../src/models/offline/router/index.js";
import type { ModelProvider } from "../src/models/provider.js";
import { ClassifierRouter } from "../src/models/routing.js";
import { buildServer, type ApiServer } from "../src/server/app.js";
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

/** The circuit breaker on the model provider: its states, and the service answering offline (degraded) while it is open. */

describe("CircuitBreaker", () => {
  function breaker(failureThreshold = 3, cooldownMs = 1_000) {
    let now = 0;
    const transitions: string[] = [];
    const circuit = new CircuitBreaker({ failureThreshold, cooldownMs, now: () => now });
    circuit.onTransition((t: CircuitTransition) => transitions.push(`${t.from}->${t.to}`));
    return { circuit, transitions, advance: (ms: number) => (now += ms) };
  }

  it("opens after the threshold of consecutive failures; a success in between starts the count again", () => {
    const { circuit, transitions } = breaker(3);
    circuit.recordFailure(new Error("500"));
    circuit.recordFailure(new Error("500"));
    circuit.recordSuccess();
    circuit.recordFailure(new Error("500"));
    circuit.recordFailure(new Error("500"));
    expect(circuit.state).toBe("closed");
    expect(circuit.allowsCall()).toBe(true);
    circuit.recordFailure(new Error("500"));
    expect(circuit.state).toBe("open");
    expect(circuit.allowsCall()).toBe(false);
    expect(transitions).toEqual(["closed->open"]);
  });

  it("half-opens after the cooldown, closes on a success, and re-opens for a new cooldown on a failure", () => {
    const { circuit, transitions, advance } = breaker(1, 1_000);
    circuit.recordFailure();
    advance(999);
    expect(circuit.state).toBe("open");
    advance(1);
    expect(circuit.state).toBe("half_open");
    expect(circuit.allowsCall()).toBe(true);
    circuit.recordFailure();
    expect(circuit.state).toBe("open");
    advance(999);
    expect(circuit.allowsCall()).toBe(false);
    advance(1);
    expect(circuit.state).toBe("half_open");
    circuit.recordSuccess();
    expect(circuit.state).toBe("closed");
    expect(circuit.failures).toBe(0);
    expect(transitions).toEqual(["closed->open", "open->half_open", "half_open->open", "open->half_open", "half_open->closed"]);
  });

  it("is not closed by a call that succeeds while it is open (only a trial after the cooldown closes it)", () => {
    const { circuit } = breaker(1);
    circuit.recordFailure();
    circuit.recordSuccess();
    expect(circuit.state).toBe("open");
  });
});

describe("DegradingProvider", () => {
  const model = { name: "primary model" } as unknown as BaseChatModel;
  const primary: ModelProvider = { kind: "openai", prices: {}, models: { router: "m", specialist: "m", synthesis: "m" }, chatModel: () => model };

  it("withholds models while the circuit is open and tells only the requests that were refused", async () => {
    const circuit = new CircuitBreaker({ failureThreshold: 1, cooldownMs: 60_000 });
    const provider = new DegradingProvider(() => primary, circuit);
    let openCircuit!: () => void;
    const opened = new Promise<void>((resolve) => (openCircuit = resolve));

    // One request asks before the circuit opens and finishes after; another asks while it is open.
    const before = recordDegradation(async () => {
      const got = provider.chatModel("specialist");
      await opened;
      return got;
    });
    circuit.recordFailure(new Error("down"));
    const during = recordDegradation(async () => provider.chatModel("specialist"));
    openCircuit();

    expect(await before).toEqual({ value: model });
    expect(await during).toEqual({ value: undefined, degradedReason: expect.stringMatching(/failed 1 consecutive call\(s\); answering offline/) });
    // Outside a request nothing is recorded, and nothing breaks.
    expect(provider.chatModel("router")).toBeUndefined();
  });
});

/** The service over the scripted OpenAI server: the breaker opens, the answers degrade, a trial closes it. */
describe("the service with a failing model provider", () => {
  const QUESTION = "Where is verifySignature defined?";
  /** Long enough that the circuit cannot half-open while the tests run; the test that needs it moves the clock. */
  const COOLDOWN_MS = 600_000;
  const classifierRoute = new ClassifierRouter(loadRouteClassifier()).classify(QUESTION).route;
  const isSpecialist = (route: keyof typeof SPECIALISTS) => match.systemPromptIncludes(SPECIALISTS[route].systemPrompt);

  /** A specialist turn that searches once, then answers citing what it found. */
  function searchThenCite(request: RecordedRequest): ScriptedReply {
    const tool = messagesOf(request, "tool")[0];
    if (!tool) return reply.toolCall("search_code", { query: "verifySignature" });
    const evidence = evidenceHeaders(contentText(tool))[0];
    return reply.text(evidence ? `See ${evidence.path}:${evidence.startLine}-${evidence.endLine}.` : "It was not found in this repository.");
  }

  let server: ScriptedOpenAIServer;
  let indexCache: string;
  let services: AppServices;
  let app: ApiServer;
  const lines: string[] = [];

  beforeAll(async () => {
    server = await startScriptedOpenAIServer();
    indexCache = await mkdtemp(path.join(tmpdir(), "degradation-breaker-"));
    const config = loadConfig(
      scriptedOpenAIEnv(server, indexCache, {
        MODEL_MAX_RETRIES: "0",
        SPECIALIST_MAX_ATTEMPTS: "2",
        MODEL_CIRCUIT_FAILURES: "3",
        MODEL_CIRCUIT_COOLDOWN_MS: String(COOLDOWN_MS),
        AUTH: "off",
        LOG_LEVEL: "info",
        STATE_DB_PATH: ":memory:",
      }),
    );
    services = await createServices(config);
    app = buildServer({ config, services, logger: { stream: { write: (line) => void lines.push(line) } } });
    await app.ready();
  });

  afterEach(() => {
    const unmatched = server.unmatched.length;
    const pending = server.pending();
    expect(unmatched).toBe(0);
    expect(pending).toEqual([]);
  });

  afterAll(async () => {
    await app?.close();
    await services?.close();
    await server?.close();
    await rm(indexCache, { recursive: true, force: true });
  });

  async function ask(): Promise<AskResult> {
    const response = await app.inject({ method: "POST", url: "/ask", headers: { "content-type": "application/json" }, payload: JSON.stringify({ question: QUESTION }) });
    expect(response.statusCode, response.body).toBe(200);
    return AskResultSchema.parse(response.json());
  }

  const readiness = async () => (await app.inject({ method: "GET", url: "/readyz" })).json() as { modelCircuit?: string };
  const circuitLog = () => lines.map((line) => JSON.parse(line) as { msg: string; modelCircuit?: string }).filter((entry) => entry.modelCircuit !== undefined);

  it("opens after 3 consecutive failed model calls and answers that request offline, marked degraded", async () => {
    expect(classifierRoute).not.toBe("general");
    expect((await readiness()).modelCircuit).toBe("closed");
    server.script(
      { label: "router 500", when: match.router, reply: reply.error(500) },
      { label: `${classifierRoute} attempt 1: 500`, when: isSpecialist(classifierRoute), reply: reply.error(500) },
      { label: `${classifierRoute} attempt 2: 500`, when: isSpecialist(classifierRoute), reply: reply.error(500) },
    );

    const result = await ask();

    // Three model calls failed; the general specialist then found the circuit open and answered offline.
    expect(server.requests).toHaveLength(3);
    expect(result).toMatchObject({ degraded: true, degradedReason: expect.stringMatching(/failed 3 consecutive call\(s\); answering offline/), routesRun: ["general"], routerSource: "classifier_fallback" });
    expect(result.answer.length).toBeGreaterThan(0);
    expect(result.warnings).toEqual([expect.stringMatching(/^router fell back to the classifier/), expect.stringMatching(new RegExp(`^${classifierRoute} specialist failed after 2 attempt`))]);
    expect(services.modelCircuit?.state).toBe("open");
    expect((await readiness()).modelCircuit).toBe("open");
  });

  it("while open, answers from the offline provider without calling the model", async () => {
    const callsBefore = server.requests.length;

    const result = await ask();

    expect(server.requests.length).toBe(callsBefore);
    expect(result).toMatchObject({ degraded: true, routerSource: "classifier", route: classifierRoute, provider: "openai", usage: { inputTokens: 0, outputTokens: 0 } });
    expect(result.routesRun).toContain(classifierRoute);
    expect(result.citations.length).toBeGreaterThan(0);
  });

  it("half-opens after the cooldown and closes on a successful trial, answering with the model again", async () => {
    expect(services.modelCircuit?.state).toBe("open");
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() + COOLDOWN_MS);
    expect(services.modelCircuit?.state).toBe("half_open");
    vi.useRealTimers();
    server.script(
      { label: "router", when: match.router, reply: reply.toolCall("route_question", { route: "code", confidence: 0.9, reason: "a definition" }) },
      { label: "code 1", when: isSpecialist("code"), reply: searchThenCite },
      { label: "code 2", when: isSpecialist("code"), reply: searchThenCite },
    );

    const result = await ask();

    expect(result.degraded).toBeUndefined();
    expect(result.degradedReason).toBeUndefined();
    expect(result).toMatchObject({ routerSource: "model", route: "code", routesRun: ["code"], warnings: [] });
    expect(result.usage.inputTokens).toBe(300);
    expect((await readiness()).modelCircuit).toBe("closed");
    expect(circuitLog().map((entry) => [entry.modelCircuit, entry.msg])).toEqual([
      ["open", expect.stringMatching(/circuit opened: answering offline/)],
      ["half_open", expect.stringMatching(/half-open/)],
      ["closed", expect.stringMatching(/circuit closed/)],
    ]);
  });
});
