import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { InMemorySpanExporter, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createServices, type AppServices } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import type { AskResult, Route } from "../src/contract.js";
import { flushTracing, initTracing, shutdownTracing } from "../src/tracing/setup.js";
import { buildSpanTree, type SpanNode } from "../src/tracing/span-tree.js";
import { SPECIALISTS } from "../specialists/index.js";
import type { AgentDefinition } from "../specialists/types.js";

/**
 * The span tree of a request, read from an in-memory exporter behind the real provider and
 * Langfuse span processor, over the bundled sample repository on the offline provider.
 */

const exporter = new InMemorySpanExporter();
let indexCache: string;
let services: AppServices;

const env = (extra: Record<string, string> = {}) => ({ INDEX_CACHE_DIR: indexCache, ...extra });

beforeAll(async () => {
  initTracing({ console: false }, { exporter, exportMode: "immediate" });
  indexCache = await mkdtemp(path.join(tmpdir(), "tracing-spans-"));
  services = await createServices(loadConfig(env()));
});

beforeEach(() => exporter.reset());

afterAll(async () => {
  await shutdownTracing();
  await rm(indexCache, { recursive: true, force: true });
});

/** The exported spans of a result's trace, as one tree. */
async function traceOf(result: AskResult): Promise<{ root: SpanNode; spans: ReadableSpan[] }> {
  expect(result.traceId).toMatch(/^[0-9a-f]{32}$/);
  await flushTracing();
  const spans = exporter.getFinishedSpans().filter((span) => span.spanContext().traceId === result.traceId);
  const roots = buildSpanTree(spans);
  expect(roots.map((r) => r.name)).toEqual([result.pipeline]);
  return { root: roots[0]!, spans };
}

const json = (node: SpanNode, key: string): any => {
  const value = node.attributes[key];
  return typeof value === "string" ? JSON.parse(value) : value;
};
const outline = (node: SpanNode): string[] => node.children.map((c) => `${c.name} (${c.type})${c.level === "DEFAULT" ? "" : ` ${c.level}`}`);
const named = (node: SpanNode, name: string) => node.children.filter((c) => c.name === name);

/** Tool observations of an agent observation match the tool calls the result reports. */
function expectToolObservations(agent: SpanNode, result: AskResult, node: string): void {
  const calls = result.toolsCalled.filter((call) => call.node === node);
  expect(calls.length).toBeGreaterThan(0);
  expect(agent.children.map((c) => c.name)).toEqual(calls.map((call) => call.name));
  agent.children.forEach((tool, i) => {
    const call = calls[i]!;
    expect(tool.type).toBe("tool");
    expect(json(tool, "langfuse.observation.input")).toEqual(call.args);
    const output = json(tool, "langfuse.observation.output");
    expect(output.evidenceCount).toBe(call.resultCount);
    expect(Array.isArray(output.paths)).toBe(true);
    expect(Number(tool.attributes["langfuse.observation.metadata.durationMs"])).toBeGreaterThanOrEqual(0);
    expect(tool.attributes["langfuse.observation.metadata.node"]).toBe(node);
  });
}

const QUESTIONS: Array<[Route, string]> = [
  ["code", "Where is the webhook signature verified?"],
  ["docs", "How do I configure the retry policy in the docs?"],
  ["debug", "TypeError: Cannot read properties of undefined (reading 'id')\n    at deliver (src/delivery/worker.ts:42:10)"],
  ["general", "What does this project do?"],
];

describe("orchestrated trace per route", () => {
  it.each(QUESTIONS)("%s: root agent -> router chain -> specialist agent with its tool calls -> synthesize chain", async (route, question) => {
    const result = await services.pipelines.orchestrated.run(question, { threadId: "thread-7", userId: "ada", harnessRunId: "run-42" });
    expect(result.route).toBe(route);
    const { root, spans } = await traceOf(result);

    expect(root.type).toBe("agent");
    expect(outline(root)).toEqual(["router (chain)", `specialist:${route} (agent)`, "synthesize (chain)"]);

    // Trace-level attributes: on the root, and propagated to every observation.
    expect(root.attributes["langfuse.trace.name"]).toBe("orchestrated");
    expect(root.attributes["langfuse.trace.tags"]).toEqual(["pipeline:orchestrated", "provider:offline", `route:${route}`]);
    expect(root.attributes["langfuse.trace.metadata.repository"]).toBe(services.index.root);
    expect(root.attributes["langfuse.trace.metadata.indexVersion"]).toBe(services.index.version);
    expect(root.attributes["langfuse.trace.metadata.harnessRunId"]).toBe("run-42");
    for (const span of spans) {
      expect(span.attributes["session.id"], span.name).toBe("thread-7");
      expect(span.attributes["user.id"], span.name).toBe("ada");
    }
    // Propagated before the route was known; Langfuse unions the tags of a trace's spans.
    expect(spans.find((s) => s.name === "router")!.attributes["langfuse.trace.tags"]).toEqual(["pipeline:orchestrated", "provider:offline"]);
    expect(json(root, "langfuse.observation.input")).toEqual({ question });
    expect(json(root, "langfuse.observation.output")).toEqual({ answer: result.answer, route, citations: result.citations, notFound: result.notFound });

    const router = named(root, "router")[0]!;
    expect(json(router, "langfuse.observation.output")).toMatchObject({ route, confidence: result.routeConfidence, dispatched: [route] });
    expect(router.attributes["langfuse.observation.metadata.decidedBy"]).toBe("classifier");
    expect(router.attributes["langfuse.observation.metadata.fellBack"]).toBe("false");
    expect(String(router.attributes["langfuse.observation.metadata.reason"])).not.toBe("");

    const specialist = named(root, `specialist:${route}`)[0]!;
    expect(json(specialist, "langfuse.observation.output")).toMatchObject({ answer: expect.any(String), citations: expect.any(Array) });
    expectToolObservations(specialist, result, route);

    const synthesize = named(root, "synthesize")[0]!;
    expect(json(synthesize, "langfuse.observation.input").specialistOutputs.map((o: { agent: string }) => o.agent)).toEqual([route]);
    expect(json(synthesize, "langfuse.observation.output")).toMatchObject({ answer: result.answer, citations: result.citations });
    expect(synthesize.children).toEqual([]);
  });

  it("a low-confidence question fans out: two specialist observations, both synthesized", async () => {
    const fanOut = await createServices(loadConfig(env({ ROUTER_LOW_CONFIDENCE: "1" })));
    const result = await fanOut.pipelines.orchestrated.run("Where is the webhook signature verified?");
    expect(result.routesRun).toHaveLength(2);
    const { root } = await traceOf(result);

    const specialists = root.children.filter((c) => c.name.startsWith("specialist:"));
    expect(specialists.map((s) => s.name).sort()).toEqual(result.routesRun.map((r) => `specialist:${r}`).sort());
    for (const specialist of specialists) {
      expect(specialist.type).toBe("agent");
      expectToolObservations(specialist, result, specialist.name.replace("specialist:", ""));
    }
    expect(json(named(root, "router")[0]!, "langfuse.observation.output").dispatched).toEqual(result.routesRun);
    expect(json(named(root, "synthesize")[0]!, "langfuse.observation.input").specialistOutputs).toHaveLength(2);
  });
});

describe("failures are visible where they happened", () => {
  const failingOnce = (agent: AgentDefinition, failures: number): AgentDefinition => {
    let calls = 0;
    return {
      ...agent,
      async gather(context) {
        calls += 1;
        if (calls <= failures) throw new Error(`index shard unavailable (call ${calls})`);
        return agent.gather(context);
      },
    };
  };

  it("a specialist that keeps failing: ERROR attempts, a fallback:code WARNING, then specialist:general", async () => {
    const broken = await createServices(loadConfig(env()), { specialists: { code: failingOnce(SPECIALISTS.code, Number.POSITIVE_INFINITY) } });
    const result = await broken.pipelines.orchestrated.run("Where is the webhook signature verified?");
    expect(result.routesRun).toEqual(["general"]);
    const { root } = await traceOf(result);

    expect(outline(root)).toEqual([
      "router (chain)",
      "specialist:code (agent) ERROR",
      "specialist:code (agent) ERROR",
      "fallback:code (span) WARNING",
      "specialist:general (agent)",
      "synthesize (chain)",
    ]);
    const attempts = named(root, "specialist:code");
    expect(attempts.map((a) => a.attributes["langfuse.observation.metadata.attempt"])).toEqual(["1", "2"]);
    expect(attempts.map((a) => a.statusMessage)).toEqual(["Error: index shard unavailable (call 1)", "Error: index shard unavailable (call 2)"]);
    expect(named(root, "fallback:code")[0]!.statusMessage).toBe("code failed after 2 attempt(s): Error: index shard unavailable (call 2)");
    expect(json(named(root, "fallback:code")[0]!, "langfuse.observation.output")).toEqual({ fallbackTo: "general" });
    expect(named(root, "specialist:general")[0]!.children.length).toBeGreaterThan(0);
    expect(root.level).toBe("WARNING");
    expect(root.statusMessage).toContain("code specialist failed after 2 attempt(s)");
  });

  it("a retry that succeeds: the failed attempt is ERROR, the successful one a WARNING naming the earlier error", async () => {
    const flaky = await createServices(loadConfig(env()), { specialists: { code: failingOnce(SPECIALISTS.code, 1) } });
    const result = await flaky.pipelines.orchestrated.run("Where is the webhook signature verified?");
    const { root } = await traceOf(result);

    expect(outline(root)).toEqual(["router (chain)", "specialist:code (agent) ERROR", "specialist:code (agent) WARNING", "synthesize (chain)"]);
    const [failed, retried] = named(root, "specialist:code");
    expect(failed!.children).toEqual([]);
    expect(retried!.statusMessage).toBe("succeeded on attempt 2 after: Error: index shard unavailable (call 1)");
    expectToolObservations(retried!, result, "code");
  });
});

describe("baseline trace", () => {
  it("root baseline agent -> baseline agent with every tool call -> synthesize, tagged without a route", async () => {
    const result = await services.pipelines.baseline.run("Where is the webhook signature verified?", { threadId: "thread-9" });
    const { root } = await traceOf(result);

    expect(root.type).toBe("agent");
    expect(outline(root)).toEqual(["baseline (agent)", "synthesize (chain)"]);
    expect(root.attributes["langfuse.trace.name"]).toBe("baseline");
    expect(root.attributes["langfuse.trace.tags"]).toEqual(["pipeline:baseline", "provider:offline"]);
    expect(root.attributes["session.id"]).toBe("thread-9");
    expectToolObservations(named(root, "baseline")[0]!, result, "baseline");
  });
});

describe("secrets stay out of traces", () => {
  const PLANTED = "ghp_FAKEpjqNFfR7UmgzpvNzkOkuZCMdXSnc0liH";

  it("a secret in the question is redacted in every exported attribute, including tool arguments", async () => {
    const question = `Where is ${PLANTED} used in scripts/seed-dev.sh?`;
    const result = await services.pipelines.orchestrated.run(question);
    const { root, spans } = await traceOf(result);

    const everything = JSON.stringify(spans.map((span) => ({ name: span.name, attributes: span.attributes, status: span.status })));
    expect(everything).not.toContain(PLANTED);
    expect(json(root, "langfuse.observation.input").question).toBe("Where is [REDACTED] used in scripts/seed-dev.sh?");
    const toolInputs = spans.filter((s) => s.attributes["langfuse.observation.type"] === "tool").map((s) => String(s.attributes["langfuse.observation.input"]));
    expect(toolInputs.some((input) => input.includes("[REDACTED]"))).toBe(true);
  });
});
