import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createServices, type AppServices } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import type { AskResult } from "../src/contract.js";
import { loadRouteClassifier } from "../src/models/offline/router/index.js";
import { ClassifierRouter } from "../src/models/routing.js";
import { SPECIALISTS } from "../specialists/index.js";
import {
  drainScript,
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
 * What the `openai` provider does when the model server misbehaves: rate limits, server errors,
 * invalid structured output, malformed bodies and hangs. Every request must still be answered.
 */

const isSpecialist = (route: keyof typeof SPECIALISTS) => match.systemPromptIncludes(SPECIALISTS[route].systemPrompt);
const anySpecialist = (request: RecordedRequest) => !match.router(request);
const QUESTION = "Where is verifySignature defined?";
/** The route the local classifier picks for QUESTION, which a router fallback must use. */
const classifierRoute = () => new ClassifierRouter(loadRouteClassifier()).classify(QUESTION).route;

function expectAnswered(result: AskResult): void {
  expect(result.answer.length).toBeGreaterThan(0);
  for (const c of result.citations) {
    expect(result.evidence.some((e) => e.path === c.path && c.startLine >= e.startLine && c.endLine <= e.endLine)).toBe(true);
  }
}

/** A specialist turn that searches once and then answers citing what it found. */
function searchThenCite(request: RecordedRequest): ScriptedReply {
  const tool = messagesOf(request, "tool")[0];
  if (!tool) return reply.toolCall("search_code", { query: "verifySignature" });
  const evidence = evidenceHeaders(contentText(tool))[0];
  return reply.text(evidence ? `See ${evidence.path}:${evidence.startLine}-${evidence.endLine}.` : "It was not found in this repository.");
}

let server: ScriptedOpenAIServer;
let indexCache: string;
const servicesBy = new Map<string, AppServices>();

/** Services over the sample repository with extra environment; the index is built once and shared. */
async function servicesWith(extra: Record<string, string> = {}): Promise<AppServices> {
  const key = JSON.stringify(extra);
  let services = servicesBy.get(key);
  if (!services) {
    const shared = servicesBy.values().next().value as AppServices | undefined;
    services = await createServices(loadConfig(scriptedOpenAIEnv(server, indexCache, extra)), shared ? { index: shared.index } : {});
    servicesBy.set(key, services);
  }
  return services;
}

beforeAll(async () => {
  server = await startScriptedOpenAIServer();
  indexCache = await mkdtemp(path.join(tmpdir(), "openai-failures-"));
});

afterEach(() => expect(drainScript(server)).toEqual({ unmatched: [], pending: [] }));

afterAll(async () => {
  await server?.close();
  await rm(indexCache, { recursive: true, force: true });
});

describe("openai provider: transient errors", () => {
  it("retries a 429 with retry-after 0 and answers; the server saw the call twice", async () => {
    const services = await servicesWith();
    server.script(
      { label: "429", when: match.router, reply: reply.error(429, { error: { message: "Rate limit reached for requests", type: "requests", code: "rate_limit_exceeded" } }, { "retry-after": "0" }) },
      { label: "router", when: match.router, reply: reply.toolCall("route_question", { route: "code", confidence: 0.9, reason: "code" }) },
      { label: "code 1", when: isSpecialist("code"), reply: searchThenCite },
      { label: "code 2", when: isSpecialist("code"), reply: searchThenCite },
    );

    const result = await services.pipelines.orchestrated.run(QUESTION);

    expect(result).toMatchObject({ route: "code", routerSource: "model", warnings: [] });
    expectAnswered(result);
    expect(result.citations.length).toBe(1);
    const routerCalls = server.requests.filter(match.router);
    expect(routerCalls).toHaveLength(2);
    expect(routerCalls[1]!.body).toEqual(routerCalls[0]!.body);
    // Only the successful router call is paid for: router + two specialist turns at 100/20.
    expect(result.usage).toMatchObject({ inputTokens: 300, outputTokens: 60 });
  });
});

describe("openai provider: router fallback to the local classifier", () => {
  it.each([
    ["a route outside the enum", { route: "banana", confidence: 0.9, reason: "fruit" }, /Invalid option.*→ at route/],
    ["a confidence above 1", { route: "code", confidence: 7, reason: "very sure" }, /Too big.*→ at confidence/],
    ["arguments that are not JSON", '{"route": "code", "confidence": 0.9', /route_question arguments were not valid JSON/],
  ])("falls back when the router returns %s, and still answers", async (_case, args, reason) => {
    const services = await servicesWith();
    server.script(
      { label: "router", when: match.router, reply: reply.toolCall("route_question", args, { prompt_tokens: 120, completion_tokens: 12 }) },
      { label: "specialist 1", when: anySpecialist, reply: searchThenCite },
      { label: "specialist 2", when: anySpecialist, reply: searchThenCite },
    );

    const result = await services.pipelines.orchestrated.run(QUESTION);

    expect(result.routerSource).toBe("classifier_fallback");
    expect(result.route).toBe(classifierRoute());
    expect(result.routesRun).toEqual([classifierRoute()]);
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).toMatch(/^router fell back to the classifier: router output failed validation/);
    expect(result.warnings[0]).toMatch(reason);
    expectAnswered(result);
    // The invalid router call was still paid for.
    expect(result.usage.inputTokens).toBe(120 + 200);
    expect(server.requests.filter(match.router)).toHaveLength(1);
  });

  it("falls back when the router keeps answering 500 beyond its retries", async () => {
    const services = await servicesWith();
    server.script(
      ...Array.from({ length: 3 }, (_, i) => ({ label: `router 500 #${i + 1}`, when: match.router, reply: reply.error(500) })),
      { label: "specialist 1", when: anySpecialist, reply: searchThenCite },
      { label: "specialist 2", when: anySpecialist, reply: searchThenCite },
    );

    const result = await services.pipelines.orchestrated.run(QUESTION);

    // MODEL_MAX_RETRIES=2: one call and two retries.
    expect(server.requests.filter(match.router)).toHaveLength(3);
    expect(result.routerSource).toBe("classifier_fallback");
    expect(result.route).toBe(classifierRoute());
    expect(result.warnings).toEqual([expect.stringMatching(/^router fell back to the classifier: router model call failed: .*500/)]);
    expect(result.warnings.join(" ")).not.toContain("test-key");
    expectAnswered(result);
    expect(result.usage.inputTokens).toBe(200);
  });

  it("falls back when the server answers with a body that is not JSON", async () => {
    const services = await servicesWith({ MODEL_MAX_RETRIES: "0" });
    server.script(
      { label: "router broken body", when: match.router, reply: reply.malformedJson() },
      { label: "specialist 1", when: anySpecialist, reply: searchThenCite },
      { label: "specialist 2", when: anySpecialist, reply: searchThenCite },
    );

    const result = await services.pipelines.orchestrated.run(QUESTION);

    expect(result.routerSource).toBe("classifier_fallback");
    expect(result.warnings).toEqual([expect.stringMatching(/^router fell back to the classifier: router model call failed/)]);
    expectAnswered(result);
  });

  it("falls back when the router call hangs past MODEL_TIMEOUT_MS", async () => {
    const services = await servicesWith({ MODEL_MAX_RETRIES: "0", MODEL_TIMEOUT_MS: "300" });
    server.script(
      { label: "router hangs", when: match.router, reply: reply.hang() },
      { label: "specialist 1", when: anySpecialist, reply: searchThenCite },
      { label: "specialist 2", when: anySpecialist, reply: searchThenCite },
    );

    const result = await services.pipelines.orchestrated.run(QUESTION);

    expect(result.routerSource).toBe("classifier_fallback");
    expect(result.warnings).toEqual([expect.stringMatching(/^router fell back to the classifier: router model call failed: .*timed out/i)]);
    expectAnswered(result);
  });
});

describe("openai provider: a failing specialist", () => {
  it("retries the node, then hands the question to general, and records why", async () => {
    // MODEL_MAX_RETRIES=1 and SPECIALIST_MAX_ATTEMPTS=2: the code node makes 2 attempts of 2 calls each.
    const services = await servicesWith({ MODEL_MAX_RETRIES: "1", SPECIALIST_MAX_ATTEMPTS: "2" });
    server.script(
      { label: "router", when: match.router, reply: reply.toolCall("route_question", { route: "code", confidence: 0.9, reason: "code" }) },
      ...Array.from({ length: 4 }, (_, i) => ({ label: `code 500 #${i + 1}`, when: isSpecialist("code"), reply: reply.error(500, { error: { message: "upstream overloaded", type: "server_error" } }) })),
      { label: "general: read README", when: isSpecialist("general"), reply: reply.toolCall("read_file", { path: "README.md", startLine: 1, endLine: 12 }) },
      { label: "general: answer", when: isSpecialist("general"), reply: reply.text("Hookrelay is a webhook delivery platform (README.md:1-6).") },
    );

    const result = await services.pipelines.orchestrated.run(QUESTION);

    expect(server.requests.filter(isSpecialist("code"))).toHaveLength(4);
    expect(result.route).toBe("code");
    expect(result.routesRun).toEqual(["general"]);
    expect(result.warnings).toEqual([expect.stringMatching(/^code specialist failed after 2 attempt\(s\) \(.*500.*\); answered by the general specialist$/)]);
    expect(result.answer).toBe("Hookrelay is a webhook delivery platform (README.md:1-6).");
    expect(result.citations).toEqual([{ path: "README.md", startLine: 1, endLine: 6 }]);
    expect(result.toolsCalled).toEqual([expect.objectContaining({ name: "read_file", node: "general", args: { path: "README.md", startLine: 1, endLine: 12 } })]);
    expectAnswered(result);
    // Failed calls cost nothing: router + two general turns.
    expect(result.usage.inputTokens).toBe(300);
  });
});
