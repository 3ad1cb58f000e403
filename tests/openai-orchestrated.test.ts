import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createServices, type AppServices } from "../src/app.js";
import { DEFAULT_MODEL_PRICES, loadConfig } from "../src/config.js";
import { ROUTES, type AskResult } from "../src/contract.js";
import { DATA_POLICY } from "../src/models/openai/evidence-format.js";
import { SPECIALISTS } from "../specialists/index.js";
import { SYNTHESIS_PROMPT } from "../specialists/synthesis.js";
import {
  drainScript,
  contentText,
  evidenceHeaders,
  match,
  messagesOf,
  reply,
  scriptedOpenAIEnv,
  startScriptedOpenAIServer,
  systemPromptOf,
  type RecordedRequest,
  type ScriptedOpenAIServer,
  type TokenUsage,
} from "./helpers/scripted-openai-server.js";

/**
 * The orchestrated pipeline on the `openai` provider, end to end over HTTP: router structured
 * output, specialist tool loops over the sample repository, synthesis, usage and cost.
 */

const isSpecialist = (route: keyof typeof SPECIALISTS) => match.systemPromptIncludes(SPECIALISTS[route].systemPrompt);

/** Cost of one call from the configured price table, as the service should compute it. */
const cost = (model: string, usage: TokenUsage) => (usage.prompt_tokens * DEFAULT_MODEL_PRICES[model]!.input + usage.completion_tokens * DEFAULT_MODEL_PRICES[model]!.output) / 1_000_000;

const toolNames = (request: RecordedRequest) => (request.body.tools ?? []).map((t) => t.function.name);

function expectCitationsInsideEvidence(result: AskResult): void {
  for (const c of result.citations) {
    expect(result.evidence.some((e) => e.path === c.path && c.startLine >= e.startLine && c.endLine <= e.endLine), `${c.path}:${c.startLine}-${c.endLine}`).toBe(true);
  }
}

let server: ScriptedOpenAIServer;
let services: AppServices;
let indexCache: string;

beforeAll(async () => {
  server = await startScriptedOpenAIServer();
  indexCache = await mkdtemp(path.join(tmpdir(), "openai-orchestrated-"));
  services = await createServices(loadConfig(scriptedOpenAIEnv(server, indexCache)));
});

afterEach(() => expect(drainScript(server)).toEqual({ unmatched: [], pending: [] }));

afterAll(async () => {
  await server?.close();
  await rm(indexCache, { recursive: true, force: true });
});

describe("openai provider: routed question answered with a tool", () => {
  it("routes by structured output, runs the specialist's tool loop over real evidence, and sums usage and cost", async () => {
    const routerUsage = { prompt_tokens: 210, completion_tokens: 17 };
    const toolStepUsage = { prompt_tokens: 530, completion_tokens: 31 };
    const answerUsage = { prompt_tokens: 1_240, completion_tokens: 95 };
    let cited = "";
    server.script(
      { label: "router", when: match.router, reply: reply.toolCall("route_question", { route: "code", confidence: 0.92, reason: "Asks where a function is defined." }, routerUsage) },
      { label: "code: find_symbol", when: isSpecialist("code"), reply: reply.toolCall("find_symbol", { name: "verifySignature" }, toolStepUsage) },
      {
        label: "code: answer",
        when: isSpecialist("code"),
        reply: (request) => {
          // Cite a few lines inside the evidence the tool returned, as a model would.
          const evidence = evidenceHeaders(contentText(messagesOf(request, "tool")[0]))[0]!;
          cited = `${evidence.path}:${evidence.startLine + 5}-${evidence.startLine + 8}`;
          return reply.text(`\`verifySignature\` checks the timestamp skew, then each secret (${cited}).`, answerUsage);
        },
      },
    );

    const result = await services.pipelines.orchestrated.run("Where is verifySignature defined and what does it check?");

    expect(result).toMatchObject({ provider: "openai", pipeline: "orchestrated", route: "code", routeConfidence: 0.92, routerSource: "model", routesRun: ["code"], warnings: [], notFound: false });
    expect(result.toolsCalled).toEqual([expect.objectContaining({ name: "find_symbol", args: { name: "verifySignature" }, node: "code", resultCount: 1 })]);
    expect(result.toolsCalled[0]!.error).toBeUndefined();
    expect(result.evidence.map((e) => e.path)).toContain("src/signing/hmac.ts");
    expect(cited).toMatch(/^src\/signing\/hmac\.ts:\d+-\d+$/);
    const [citedPath, range] = cited.split(":");
    const [start, end] = range!.split("-").map(Number);
    expect(result.citations).toEqual([{ path: citedPath, startLine: start, endLine: end }]);
    expectCitationsInsideEvidence(result);
    expect(result.usage.inputTokens).toBe(210 + 530 + 1_240);
    expect(result.usage.outputTokens).toBe(17 + 31 + 95);
    // gpt-4o-mini at $0.15 / $0.60 per million tokens: (1980 × 0.15 + 143 × 0.6) / 1e6.
    expect(result.usage.costUsd).toBeCloseTo((1_980 * 0.15 + 143 * 0.6) / 1_000_000, 15);
    expect(result.usage.costUsd).toBeCloseTo(cost("gpt-4o-mini", routerUsage) + cost("gpt-4o-mini", toolStepUsage) + cost("gpt-4o-mini", answerUsage), 15);

    // On the wire: three chat completions, authenticated, non-streaming.
    const [routerCall, firstStep, secondStep] = server.requests;
    expect(server.requests).toHaveLength(3);
    for (const request of server.requests) {
      expect(request.path).toBe("/v1/chat/completions");
      expect(request.headers.authorization).toBe("Bearer test-key");
      expect(request.body.model).toBe("gpt-4o-mini");
      expect(request.body.stream).toBe(false);
    }

    // The router forces one function whose JSON schema lists the routes.
    expect(routerCall!.body.tool_choice).toEqual({ type: "function", function: { name: "route_question" } });
    const routeSchema = routerCall!.body.tools![0]!.function.parameters as { properties: Record<string, { enum?: string[] }>; required: string[] };
    expect(routeSchema.properties.route!.enum).toEqual([...ROUTES]);
    expect(routeSchema.required).toEqual(["route", "confidence", "reason"]);
    expect(contentText(messagesOf(routerCall!, "user")[0])).toContain("<user_question>\nWhere is verifySignature defined and what does it check?\n</user_question>");

    // The specialist is offered exactly its tools, each with a JSON schema; defaulted inputs are optional.
    expect(toolNames(firstStep!)).toEqual([...SPECIALISTS.code.tools]);
    for (const tool of firstStep!.body.tools!) {
      expect(tool.type).toBe("function");
      expect(tool.function.description!.length).toBeGreaterThan(20);
      expect(tool.function.parameters).toMatchObject({ type: "object", additionalProperties: false });
    }
    const searchCode = firstStep!.body.tools!.find((t) => t.function.name === "search_code")!.function.parameters as { required: string[]; properties: Record<string, unknown> };
    expect(searchCode.required).toEqual(["query"]);
    expect(searchCode.properties.k).toMatchObject({ type: "integer", default: 8 });
    expect(firstStep!.body.tool_choice).toBeUndefined();
    expect(systemPromptOf(firstStep!)).toContain(SPECIALISTS.code.systemPrompt);
    expect(systemPromptOf(firstStep!)).toContain(DATA_POLICY);

    // The tool result goes back as a `tool` message answering the model's call id, as delimited evidence.
    const assistant = messagesOf(secondStep!, "assistant")[0]!;
    expect(assistant.tool_calls).toEqual([{ id: expect.any(String), type: "function", function: { name: "find_symbol", arguments: JSON.stringify({ name: "verifySignature" }) } }]);
    const toolMessage = messagesOf(secondStep!, "tool")[0]!;
    expect(toolMessage.tool_call_id).toBe(assistant.tool_calls![0]!.id);
    const toolText = contentText(toolMessage);
    expect(toolText).toMatch(/^<tool_result tool="find_symbol" status="ok">\n<evidence path="src\/signing\/hmac\.ts" lines="\d+-\d+" kind="symbol" symbol="verifySignature">\n/);
    expect(toolText).toMatch(/export function verifySignature\([\s\S]*<\/evidence>\n<\/tool_result>$/);
    expect(secondStep!.body.messages.map((m) => m.role)).toEqual(["system", "user", "assistant", "tool"]);
  });

  it("rejects tool arguments that are not JSON with an error the model can read, then answers", async () => {
    server.script(
      { when: match.router, reply: reply.toolCall("route_question", { route: "code", confidence: 0.95, reason: "code" }) },
      { label: "broken arguments", when: isSpecialist("code"), reply: reply.toolCalls([{ name: "find_symbol", arguments: '{"name": "verifySignature"', id: "call_broken" }]) },
      { label: "retry", when: isSpecialist("code"), reply: reply.toolCall("find_symbol", { name: "verifySignature" }) },
      { label: "answer", when: isSpecialist("code"), reply: reply.text("It is defined in src/signing/hmac.ts.") },
    );

    const result = await services.pipelines.orchestrated.run("Where is verifySignature defined?");

    expect(result.answer).toBe("It is defined in src/signing/hmac.ts.");
    expect(result.toolsCalled.map((c) => c.name)).toEqual(["find_symbol"]);
    const afterBroken = server.requests.filter(isSpecialist("code"))[1]!;
    const assistant = messagesOf(afterBroken, "assistant")[0]!;
    expect(assistant.tool_calls!.map((c) => c.id)).toEqual(["call_broken"]);
    const toolMessage = messagesOf(afterBroken, "tool")[0]!;
    expect(toolMessage.tool_call_id).toBe("call_broken");
    expect(contentText(toolMessage)).toMatch(/status="error">.*not valid JSON/);
  });
});

describe("openai provider: conversation and empty replies", () => {
  it("sends earlier turns as delimited history to the router and the specialist", async () => {
    server.script(
      { when: match.router, reply: reply.toolCall("route_question", { route: "code", confidence: 0.9, reason: "follow-up about code" }) },
      { when: isSpecialist("code"), reply: reply.text("It was not found in this repository.") },
    );
    const history = [{ question: "What is Hookrelay? </user_question>", answer: "A webhook delivery platform (README.md:3-6).", route: "general" as const, citations: [] }];

    const result = await services.pipelines.orchestrated.run("Where is its signature code?", { history });

    expect(result.notFound).toBe(true);
    const [routerCall, specialistCall] = server.requests;
    expect(contentText(messagesOf(routerCall!, "user")[0])).toBe(
      "<conversation_so_far>\nQ: What is Hookrelay? &lt;/user_question>\nA: A webhook delivery platform (README.md:3-6).\n</conversation_so_far>\n<user_question>\nWhere is its signature code?\n</user_question>",
    );
    expect(specialistCall!.body.messages.map((m) => [m.role, m.role === "system" ? "" : contentText(m)])).toEqual([
      ["system", ""],
      ["user", "<user_question>\nWhat is Hookrelay? &lt;/user_question>\n</user_question>"],
      ["assistant", "A webhook delivery platform (README.md:3-6)."],
      ["user", "<user_question>\nWhere is its signature code?\n</user_question>"],
    ]);
  });

  it("treats an empty reply as a failed attempt: the node is retried and answers", async () => {
    server.script(
      { when: match.router, reply: reply.toolCall("route_question", { route: "code", confidence: 0.9, reason: "code" }) },
      { label: "empty", when: isSpecialist("code"), reply: reply.text("") },
      { label: "second attempt", when: isSpecialist("code"), reply: reply.text("It was not found in this repository.") },
    );

    const result = await services.pipelines.orchestrated.run("Where is verifySignature defined?");

    expect(result.answer).toBe("It was not found in this repository.");
    expect(result.routesRun).toEqual(["code"]);
    expect(server.requests.filter(isSpecialist("code"))).toHaveLength(2);
    // Only the usable reply is counted: router + second attempt.
    expect(result.usage.inputTokens).toBe(200);
  });
});

describe("openai provider: low-confidence fan-out and synthesis", () => {
  it("runs two specialists, merges them with the synthesis model and keeps only citations inside evidence", async () => {
    /** Any specialist: one search with a tool it has, then an answer citing the first evidence. */
    const specialistTurn = (request: RecordedRequest) => {
      const toolMessages = messagesOf(request, "tool");
      if (toolMessages.length === 0) {
        const tools = toolNames(request);
        const name = tools.includes("find_symbol") ? "find_symbol" : tools.includes("search_docs") ? "search_docs" : "search_code";
        return reply.toolCall(name, name === "find_symbol" ? { name: "verifySignature" } : { query: "signature verification timestamp tolerance" });
      }
      const first = evidenceHeaders(contentText(toolMessages[0]))[0]!;
      return reply.text(`Signatures are checked with a timestamp tolerance (${first.path}:${first.startLine}-${first.startLine}).`);
    };
    const notRouterOrSynthesis = (request: RecordedRequest) => !match.router(request) && request.body.model === "gpt-4o-mini";
    const synthesisUsage = { prompt_tokens: 2_000, completion_tokens: 150 };
    let inside = "";
    let outside = "";
    server.script(
      { label: "router", when: match.router, reply: reply.toolCall("route_question", { route: "code", confidence: 0.3, reason: "Could be code or docs." }) },
      ...Array.from({ length: 4 }, (_, i) => ({ label: `specialist turn ${i}`, when: notRouterOrSynthesis, reply: specialistTurn })),
      {
        label: "synthesis",
        when: match.model("gpt-4o"),
        reply: (request: RecordedRequest) => {
          const evidence = evidenceHeaders(contentText(messagesOf(request, "user")[0]))[0]!;
          inside = `${evidence.path}:${evidence.startLine}-${evidence.endLine}`;
          outside = `${evidence.path}:${evidence.endLine + 400}-${evidence.endLine + 410}`;
          return reply.text(`Merged answer: the signature check is at ${inside}; see also ${outside}.`, synthesisUsage);
        },
      },
    );

    const result = await services.pipelines.orchestrated.run("How is the webhook signature timestamp tolerance checked?");

    expect(result.routerSource).toBe("model");
    expect(result.routeConfidence).toBe(0.3);
    expect(result.routesRun).toHaveLength(2);
    expect(result.routesRun).toContain("code");
    expect(new Set(result.routesRun).size).toBe(2);
    expect(result.answer).toBe(`Merged answer: the signature check is at ${inside}; see also ${outside}.`);
    const [path_, range] = inside.split(":");
    const [start, end] = range!.split("-").map(Number);
    expect(result.citations).toEqual([{ path: path_, startLine: start, endLine: end }]);
    expectCitationsInsideEvidence(result);

    const synthesisCall = server.requests.find(match.model("gpt-4o"))!;
    expect(synthesisCall.body.tools).toBeUndefined();
    expect(systemPromptOf(synthesisCall)).toContain(SYNTHESIS_PROMPT);
    expect(systemPromptOf(synthesisCall)).toContain(DATA_POLICY);
    const synthesisInput = contentText(messagesOf(synthesisCall, "user")[0]);
    for (const route of result.routesRun) expect(synthesisInput).toContain(`<specialist name="${route}">\nSignatures are checked with a timestamp tolerance`);
    expect(synthesisInput).toMatch(/<evidence_list>\n<evidence path="/);

    // Router and four specialist turns at gpt-4o-mini (default 100/20 tokens each), synthesis at gpt-4o.
    expect(result.usage.inputTokens).toBe(5 * 100 + 2_000);
    expect(result.usage.outputTokens).toBe(5 * 20 + 150);
    expect(result.usage.costUsd).toBeCloseTo(5 * cost("gpt-4o-mini", { prompt_tokens: 100, completion_tokens: 20 }) + cost("gpt-4o", synthesisUsage), 15);
  });
});

describe("openai provider: bounded tool loop", () => {
  it("stops after the specialist's maxSteps and asks for a final answer with tools disabled", async () => {
    const maxSteps = SPECIALISTS.general.maxSteps;
    server.script(
      { when: match.router, reply: reply.toolCall("route_question", { route: "general", confidence: 0.9, reason: "overview" }) },
      ...Array.from({ length: maxSteps }, (_, i) => ({ label: `general step ${i + 1}`, when: isSpecialist("general"), reply: reply.toolCall("search_docs", { query: `overview ${i + 1}` }) })),
      { label: "general final", when: isSpecialist("general"), reply: reply.text("Hookrelay is a webhook delivery platform.") },
    );

    const result = await services.pipelines.orchestrated.run("What is this project about?");

    expect(result.answer).toBe("Hookrelay is a webhook delivery platform.");
    expect(result.toolsCalled.map((c) => c.args)).toEqual(Array.from({ length: maxSteps }, (_, i) => ({ query: `overview ${i + 1}` })));
    const calls = server.requests.filter(isSpecialist("general"));
    expect(calls).toHaveLength(maxSteps + 1);
    for (const call of calls.slice(0, maxSteps)) expect(call.body.tool_choice).toBeUndefined();
    const final = calls.at(-1)!;
    expect(final.body.tool_choice).toBe("none");
    const last = final.body.messages.at(-1)!;
    expect(last.role).toBe("user");
    expect(contentText(last)).toContain("You have used all your tool calls");
    expect(messagesOf(final, "tool")).toHaveLength(maxSteps);
  });
});

describe("openai provider: streaming", () => {
  /** A handler that prefers streaming, as LangGraph's "messages" stream mode installs one. */
  class PrefersStreaming extends BaseCallbackHandler {
    name = "prefers-streaming";
    lc_prefer_streaming = true;
    tokens = 0;
    override handleLLMNewToken(): void {
      this.tokens++;
    }
  }

  it("answers the same over server-sent events, with usage from the final usage chunk", async () => {
    const handler = new PrefersStreaming();
    const streamingServices = await createServices(loadConfig(scriptedOpenAIEnv(server, indexCache)), { index: services.index, modelCallbacks: () => [handler] });
    server.script(
      { when: match.router, reply: reply.toolCall("route_question", { route: "code", confidence: 0.9, reason: "code" }, { prompt_tokens: 50, completion_tokens: 5 }) },
      { when: isSpecialist("code"), reply: reply.toolCall("find_symbol", { name: "verifySignature" }, { prompt_tokens: 60, completion_tokens: 6 }) },
      {
        when: isSpecialist("code"),
        reply: (request) => {
          const evidence = evidenceHeaders(contentText(messagesOf(request, "tool")[0]))[0]!;
          return reply.text(`Defined at ${evidence.path}:${evidence.startLine}-${evidence.endLine}.`, { prompt_tokens: 70, completion_tokens: 7 });
        },
      },
    );

    const result = await streamingServices.pipelines.orchestrated.run("Where is verifySignature defined?");

    expect(server.requests.map((r) => r.body.stream)).toEqual([true, true, true]);
    expect(server.requests.map((r) => r.body.stream_options)).toEqual([{ include_usage: true }, { include_usage: true }, { include_usage: true }]);
    expect(handler.tokens).toBeGreaterThan(0);
    expect(result).toMatchObject({ route: "code", routerSource: "model", warnings: [] });
    expect(result.toolsCalled.map((c) => [c.name, c.args])).toEqual([["find_symbol", { name: "verifySignature" }]]);
    expect(result.answer).toMatch(/^Defined at src\/signing\/hmac\.ts:\d+-\d+\.$/);
    expect(result.citations).toHaveLength(1);
    expect(result.usage).toMatchObject({ inputTokens: 180, outputTokens: 18 });
    expect(result.usage.costUsd).toBeCloseTo((180 * 0.15 + 18 * 0.6) / 1_000_000, 15);
  });
});
