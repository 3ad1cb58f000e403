import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { InMemorySpanExporter, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createServices, type AppServices } from "../src/app.js";
import { DEFAULT_MODEL_PRICES, loadConfig } from "../src/config.js";
import type { AskResult } from "../src/contract.js";
import { flushTracing, initTracing, shutdownTracing } from "../src/tracing/setup.js";
import { buildSpanTree, type SpanNode } from "../src/tracing/span-tree.js";
import { SPECIALISTS } from "../specialists/index.js";
import { SYNTHESIS_PROMPT } from "../specialists/synthesis.js";
import {
  match,
  reply,
  scriptedOpenAIEnv,
  startScriptedOpenAIServer,
  systemPromptOf,
  type RecordedRequest,
  type ScriptedOpenAIServer,
  type ScriptStep,
  type TokenUsage,
} from "./helpers/scripted-openai-server.js";

/**
 * Model calls as Langfuse generations: ChatOpenAI against a scripted OpenAI-compatible server on
 * 127.0.0.1, traced through the LangChain handler that createServices wires in. Each generation
 * must nest under the observation that made the call, with model, prompt, completion, usage and
 * the cost from our price table.
 */

const exporter = new InMemorySpanExporter();
let server: ScriptedOpenAIServer;
let indexCache: string;
let services: AppServices;

beforeAll(async () => {
  initTracing({ console: false }, { exporter, exportMode: "immediate" });
  server = await startScriptedOpenAIServer();
  indexCache = await mkdtemp(path.join(tmpdir(), "tracing-generations-"));
  services = await createServices(loadConfig(scriptedOpenAIEnv(server, indexCache, { MODEL_MAX_RETRIES: "0" })));
});

beforeEach(() => exporter.reset());

afterEach(() => {
  const pending = server.pending();
  const unmatched = server.unmatched.length;
  server.reset();
  expect(pending).toEqual([]);
  expect(unmatched).toBe(0);
});

afterAll(async () => {
  await shutdownTracing();
  await server?.close();
  await rm(indexCache, { recursive: true, force: true });
});

async function traceOf(result: AskResult): Promise<{ root: SpanNode; spans: ReadableSpan[] }> {
  await flushTracing();
  const spans = exporter.getFinishedSpans().filter((span) => span.spanContext().traceId === result.traceId);
  const roots = buildSpanTree(spans);
  expect(roots).toHaveLength(1);
  return { root: roots[0]!, spans };
}

const json = (node: SpanNode, key: string): any => JSON.parse(String(node.attributes[key]));
const descendants = (node: SpanNode): SpanNode[] => node.children.flatMap((child) => [child, ...descendants(child)]);
const generationsUnder = (node: SpanNode) => descendants(node).filter((n) => n.type === "generation");
const child = (node: SpanNode, name: string) => node.children.find((c) => c.name === name)!;

const priced = (model: string, usage: TokenUsage) => {
  const price = DEFAULT_MODEL_PRICES[model]!;
  const input = (usage.prompt_tokens * price.input) / 1_000_000;
  const output = (usage.completion_tokens * price.output) / 1_000_000;
  return { input, output, total: input + output };
};

function expectGeneration(generation: SpanNode, model: string, usage: TokenUsage): void {
  expect(generation.type).toBe("generation");
  expect(generation.attributes["langfuse.observation.model.name"]).toBe(model);
  expect(json(generation, "langfuse.observation.usage_details")).toMatchObject({ input: usage.prompt_tokens, output: usage.completion_tokens });
  const cost = json(generation, "langfuse.observation.cost_details");
  const expected = priced(model, usage);
  expect(cost.input).toBeCloseTo(expected.input, 15);
  expect(cost.output).toBeCloseTo(expected.output, 15);
  expect(cost.total).toBeCloseTo(expected.total, 15);
}

const systemPromptIn = (generation: SpanNode): string => {
  const input = json(generation, "langfuse.observation.input");
  const messages: Array<{ role: string; content: unknown }> = Array.isArray(input) ? input : input.messages;
  return String(messages.find((m) => m.role === "system")?.content ?? "");
};

const isSpecialist = (route: keyof typeof SPECIALISTS) => match.systemPromptIncludes(SPECIALISTS[route].systemPrompt);
const isAnySpecialist = (request: RecordedRequest) => Object.values(SPECIALISTS).some((agent) => systemPromptOf(request).includes(agent.systemPrompt));
const hasToolResult = (request: RecordedRequest) => request.body.messages.some((m) => m.role === "tool");

/** Any specialist: read the README first, then answer. Two steps per specialist run. */
const specialistSteps = (count: number): ScriptStep[] =>
  Array.from({ length: count * 2 }, (_, i) => ({
    label: `specialist step ${i}`,
    when: isAnySpecialist,
    reply: (request: RecordedRequest) => (hasToolResult(request) ? reply.text("Hookrelay delivers webhooks (README.md:1-3).", { prompt_tokens: 900, completion_tokens: 40 }) : reply.toolCall("read_file", { path: "README.md" }, { prompt_tokens: 400, completion_tokens: 12 })),
  }));

describe("generations", () => {
  it("router, specialist steps: one generation per model call, under the observation that made it, with usage and cost", async () => {
    const routerUsage = { prompt_tokens: 210, completion_tokens: 17 };
    const toolStepUsage = { prompt_tokens: 530, completion_tokens: 31 };
    const answerUsage = { prompt_tokens: 1_240, completion_tokens: 95 };
    server.script(
      { label: "router", when: match.router, reply: reply.toolCall("route_question", { route: "code", confidence: 0.92, reason: "Asks where a function is." }, routerUsage) },
      { label: "code: find_symbol", when: isSpecialist("code"), reply: reply.toolCall("find_symbol", { name: "verifySignature" }, toolStepUsage) },
      { label: "code: answer", when: isSpecialist("code"), reply: reply.text("`verifySignature` is in src/signing/hmac.ts.", answerUsage) },
    );

    const result = await services.pipelines.orchestrated.run("Where is verifySignature defined?");
    const { root } = await traceOf(result);

    expect(root.children.map((c) => `${c.name} (${c.type})`)).toEqual(["router (chain)", "specialist:code (agent)", "synthesize (chain)"]);

    const router = child(root, "router");
    expect(router.attributes["langfuse.observation.metadata.decidedBy"]).toBe("model");
    // Only the model call: LangChain's structured-output runnables around it are not traced.
    expect(router.children.map((c) => `${c.name} (${c.type})`)).toEqual(["ChatOpenAI (generation)"]);
    const routerGeneration = router.children[0];
    expectGeneration(routerGeneration!, "gpt-4o-mini", routerUsage);
    expect(JSON.stringify(json(routerGeneration!, "langfuse.observation.output"))).toContain("route_question");

    const specialist = child(root, "specialist:code");
    expect(specialist.children.map((c) => `${c.name} (${c.type})`)).toEqual(["ChatOpenAI (generation)", "find_symbol (tool)", "ChatOpenAI (generation)"]);
    const [toolStep, , answerStep] = specialist.children;
    expectGeneration(toolStep!, "gpt-4o-mini", toolStepUsage);
    expectGeneration(answerStep!, "gpt-4o-mini", answerUsage);
    expect(systemPromptIn(toolStep!)).toContain(SPECIALISTS.code.systemPrompt);
    expect(json(answerStep!, "langfuse.observation.output")).toMatchObject({ role: "assistant", content: "`verifySignature` is in src/signing/hmac.ts." });

    // One specialist: synthesis passes its answer through without a model call.
    expect(generationsUnder(child(root, "synthesize"))).toEqual([]);
    const tracedCost = [routerGeneration!, toolStep!, answerStep!].reduce((sum, g) => sum + json(g, "langfuse.observation.cost_details").total, 0);
    expect(tracedCost).toBeCloseTo(result.usage.costUsd, 15);
  });

  it("a fan-out: each specialist's generations under its own observation, and synthesis's under synthesize", async () => {
    const synthesisUsage = { prompt_tokens: 2_000, completion_tokens: 150 };
    server.script(
      { label: "router", when: match.router, reply: reply.toolCall("route_question", { route: "code", confidence: 0.3, reason: "Unsure." }) },
      ...specialistSteps(2),
      { label: "synthesis", when: match.systemPromptIncludes(SYNTHESIS_PROMPT), reply: reply.text("Hookrelay delivers webhooks (README.md:1-3).", synthesisUsage) },
    );

    const result = await services.pipelines.orchestrated.run("What does verifySignature have to do with delivery?");
    expect(result.routesRun).toHaveLength(2);
    const { root } = await traceOf(result);

    const specialists = root.children.filter((c) => c.name.startsWith("specialist:"));
    expect(specialists).toHaveLength(2);
    for (const specialist of specialists) {
      const agent = SPECIALISTS[specialist.name.replace("specialist:", "") as keyof typeof SPECIALISTS];
      expect(specialist.children.map((c) => `${c.name} (${c.type})`)).toEqual(["ChatOpenAI (generation)", "read_file (tool)", "ChatOpenAI (generation)"]);
      // The calls ran concurrently; each generation still belongs to the specialist that made it.
      for (const generation of generationsUnder(specialist)) expect(systemPromptIn(generation)).toContain(agent.systemPrompt);
    }
    const [synthesis, ...more] = generationsUnder(child(root, "synthesize"));
    expect(more).toEqual([]);
    expectGeneration(synthesis!, "gpt-4o", synthesisUsage);
    expect(systemPromptIn(synthesis!)).toContain(SYNTHESIS_PROMPT);
  });

  it("a failed router model call: an ERROR generation under a WARNING router that fell back to the classifier", async () => {
    server.script({ label: "router fails", when: match.router, reply: reply.error(500) }, ...specialistSteps(1));

    const result = await services.pipelines.orchestrated.run("Where is verifySignature defined?");
    const { root } = await traceOf(result);

    const router = child(root, "router");
    expect(router.level).toBe("WARNING");
    expect(router.statusMessage).toMatch(/^router model call failed: /);
    expect(router.attributes["langfuse.observation.metadata.decidedBy"]).toBe("classifier_fallback");
    expect(router.attributes["langfuse.observation.metadata.fellBack"]).toBe("true");
    const failed = router.children;
    expect(failed.map((g) => `${g.name} (${g.type}) ${g.level}`)).toEqual(["ChatOpenAI (generation) ERROR"]);
    expect(failed[0]!.statusMessage).toContain("500");
    expect(root.level).toBe("WARNING");
  });

  it("a secret in the question stays out of model prompts as traced", async () => {
    const planted = "sk-proj-FAKEabcdefghijklmnopqrstuvwx0123456789";
    server.script({ when: match.router, reply: reply.toolCall("route_question", { route: "general", confidence: 0.9, reason: "General." }) }, ...specialistSteps(1));

    const result = await services.pipelines.orchestrated.run(`Is ${planted} a valid key for this service?`);
    const { spans } = await traceOf(result);

    // The model saw the question as asked; the trace did not keep the secret.
    expect(JSON.stringify(server.requests.map((r) => r.body))).toContain(planted);
    expect(spans.filter((s) => s.attributes["langfuse.observation.type"] === "generation").length).toBeGreaterThan(0);
    expect(JSON.stringify(spans.map((s) => ({ attributes: s.attributes, status: s.status })))).not.toContain(planted);
  });
});
