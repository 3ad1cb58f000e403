import { context, propagation, trace, SpanStatusCode } from "@opentelemetry/api";
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { AIMessage } from "@langchain/core/messages";
import type { LLMResult } from "@langchain/core/outputs";
import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_MODEL_PRICES } from "../src/config.js";
import { RateLimitedLog } from "../src/tracing/export-health.js";
import { costDetailsOf } from "../src/tracing/generation-handler.js";
import { redactSpan } from "../src/tracing/redacting-exporter.js";
import { maskSpanData, redactDeep } from "../src/tracing/redaction.js";
import { withRequestTrace } from "../src/tracing/request-trace.js";
import { currentTracing, flushTracing, initTracing, shutdownTracing } from "../src/tracing/setup.js";
import { buildSpanTree } from "../src/tracing/span-tree.js";
import { withSpan } from "../src/tracing/spans.js";
import { traceLink } from "../src/tracing/trace-link.js";

/** Tracing set-up and its parts, without the pipelines. */

const GITHUB_TOKEN = "ghp_FAKEpjqNFfR7UmgzpvNzkOkuZCMdXSnc0liH";

afterEach(async () => {
  await shutdownTracing();
});

describe("initTracing / shutdownTracing", () => {
  it("registers one provider: a second init returns the same tracing, spans nest and are kept in memory", async () => {
    const tracing = initTracing({ console: false });
    expect(initTracing({ console: false, publicKey: "pk-lf-other", secretKey: "sk-lf-other" })).toBe(tracing);

    await withSpan("outer", "agent", () => withSpan("inner", "tool", async () => "done"));
    await flushTracing();

    const [outer] = buildSpanTree(tracing.recentSpans());
    expect(outer).toMatchObject({ name: "outer", type: "agent", children: [{ name: "inner", type: "tool", children: [] }] });
    expect(tracing.status()).toEqual({ destination: "memory", export: { exportedSpans: 0, failedExports: 0, failedSpans: 0 }, recentSpans: 2 });
    expect(tracing.traceUrl("0af7651916cd43dd8448eb211c80319c")).toBeUndefined();
  });

  it("keeps only the most recent spans", async () => {
    const tracing = initTracing({ console: false }, { recentSpans: 3 });
    for (const name of ["a", "b", "c", "d", "e"]) await withSpan(name, "span", async () => undefined);
    await flushTracing();
    expect(tracing.recentSpans().map((s) => s.name)).toEqual(["c", "d", "e"]);
  });

  it("is safe to shut down twice, and can start again afterwards", async () => {
    const first = initTracing({ console: false });
    expect(await shutdownTracing()).toBe(true);
    expect(await shutdownTracing()).toBe(true);
    expect(currentTracing()).toBeUndefined();

    const exporter = new InMemorySpanExporter();
    const second = initTracing({ console: false }, { exporter, exportMode: "immediate" });
    expect(second).not.toBe(first);
    await withSpan("after restart", "chain", async () => undefined);
    await flushTracing();
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(["after restart"]);
    expect(second.status()).toMatchObject({ destination: "exporter", export: { exportedSpans: 1, failedExports: 0 } });
  });

  it("with TRACE_CONSOLE prints each finished trace as an outline when its root ends", async () => {
    const printed: string[] = [];
    initTracing({ console: true }, { print: (text) => printed.push(text) });

    const traceId = await withSpan("ask", "agent", async (root) => {
      await withSpan("lookup", "tool", async (span) => span.update({ level: "WARNING", statusMessage: "no hits" }));
      return root.traceId;
    });
    await flushTracing();

    expect(printed).toHaveLength(1);
    expect(printed[0]).toMatch(new RegExp(`^\\[trace ${traceId}\\]\\nask \\(agent\\) \\d+ms\\n  lookup \\(tool\\) \\d+ms WARNING: no hits$`));
  });

  it("links traces only when they are sent to Langfuse", () => {
    const tracing = initTracing({ console: false, publicKey: "pk-lf-1", secretKey: "sk-lf-1", baseUrl: "http://langfuse-web:3000", uiUrl: "http://localhost:3000" });
    expect(tracing.traceUrl("abc")).toBe("http://localhost:3000/trace/abc");
    expect(tracing.status()).toMatchObject({ destination: "langfuse", langfuseUrl: "http://langfuse-web:3000" });
  });
});

describe("withSpan and withRequestTrace, on a bare provider (no Langfuse processor, no mask)", () => {
  let exporter = new InMemorySpanExporter();
  const useBareProvider = () => {
    exporter = new InMemorySpanExporter(); // a shut-down exporter drops spans: one per test
    const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    provider.register();
    return async () => {
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    };
  };
  const only = (name: string): ReadableSpan => exporter.getFinishedSpans().find((s) => s.name === name)!;

  it("marks a thrown error on the observation where it happened and rethrows it", async () => {
    const teardown = useBareProvider();
    try {
      const failing = withSpan("outer", "agent", () => withSpan("inner", "tool", async () => Promise.reject(new RangeError("index out of range"))));
      await expect(failing).rejects.toThrow("index out of range");
      for (const name of ["inner", "outer"]) {
        expect(only(name).attributes["langfuse.observation.level"]).toBe("ERROR");
        expect(only(name).attributes["langfuse.observation.status_message"]).toBe("RangeError: index out of range");
        expect(only(name).status.code).toBe(SpanStatusCode.ERROR);
      }
    } finally {
      await teardown();
    }
  });

  it("redacts input, output, metadata and status messages before they become attributes", async () => {
    const teardown = useBareProvider();
    try {
      await withSpan("tool", "tool", async (span) =>
        span.update({ input: { query: `token ${GITHUB_TOKEN}` }, output: [GITHUB_TOKEN], metadata: { note: GITHUB_TOKEN, count: 3 }, level: "WARNING", statusMessage: `bad ${GITHUB_TOKEN}` }),
      );
      const attributes = only("tool").attributes;
      expect(JSON.stringify(attributes)).not.toContain(GITHUB_TOKEN);
      expect(attributes["langfuse.observation.input"]).toBe(JSON.stringify({ query: "token [REDACTED]" }));
      expect(attributes["langfuse.observation.output"]).toBe(JSON.stringify(["[REDACTED]"]));
      expect(attributes["langfuse.observation.metadata.note"]).toBe("[REDACTED]");
      expect(attributes["langfuse.observation.metadata.count"]).toBe("3");
      expect(attributes["langfuse.observation.status_message"]).toBe("bad [REDACTED]");
    } finally {
      await teardown();
    }
  });

  it("a request trace: question as input, redacted session, tags added at the end on the root", async () => {
    const teardown = useBareProvider();
    try {
      await withRequestTrace(
        { name: "orchestrated", question: `why ${GITHUB_TOKEN}?`, sessionId: `s-${GITHUB_TOKEN}`, tags: ["pipeline:orchestrated"], metadata: { harnessRunId: "run-1" } },
        async (root) => {
          await withSpan("router", "chain", async () => undefined);
          root.addTraceTags(["route:code", "pipeline:orchestrated"]);
        },
      );
      const root = only("orchestrated");
      expect(root.attributes["langfuse.observation.input"]).toBe(JSON.stringify({ question: "why [REDACTED]?" }));
      expect(root.attributes["session.id"]).toBe("s-[REDACTED]");
      expect(root.attributes["langfuse.trace.tags"]).toEqual(["pipeline:orchestrated", "route:code"]);
      expect(root.attributes["langfuse.trace.metadata.harnessRunId"]).toBe("run-1");
    } finally {
      await teardown();
    }
  });
});

describe("redaction helpers", () => {
  it("redactDeep reaches every string and leaves other values alone", () => {
    const value = { a: [GITHUB_TOKEN, 1, true, null], b: { c: `x ${GITHUB_TOKEN}` }, d: undefined };
    expect(redactDeep(value)).toEqual({ a: ["[REDACTED]", 1, true, null], b: { c: "x [REDACTED]" }, d: undefined });
    expect(value.a[0]).toBe(GITHUB_TOKEN);
  });

  it("the mask parses JSON first, so line-anchored rules see real newlines", () => {
    const attribute = JSON.stringify({ content: "config:\nAPI_TOKEN=abcdefghijklmnop1234\n" });
    expect(JSON.parse(maskSpanData({ data: attribute }) as string)).toEqual({ content: "config:\nAPI_TOKEN=[REDACTED]\n" });
    expect(maskSpanData({ data: `plain ${GITHUB_TOKEN}` })).toBe("plain [REDACTED]");
    expect(maskSpanData({ data: 42 })).toBe(42);
  });

  it("redactSpan copies a span with redacted attributes, events and status, leaving the original", () => {
    const exporter = new InMemorySpanExporter();
    const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const span = provider.getTracer("test").startSpan("s");
    span.setAttribute("session.id", GITHUB_TOKEN);
    span.setAttribute("langfuse.trace.tags", ["ok", GITHUB_TOKEN]);
    span.setAttribute("count", 2);
    span.setStatus({ code: SpanStatusCode.ERROR, message: `failed for ${GITHUB_TOKEN}` });
    span.end();
    const original = exporter.getFinishedSpans()[0]!;

    const copy = redactSpan(original);
    expect(copy.attributes).toEqual({ "session.id": "[REDACTED]", "langfuse.trace.tags": ["ok", "[REDACTED]"], count: 2 });
    expect(copy.status).toEqual({ code: SpanStatusCode.ERROR, message: "failed for [REDACTED]" });
    expect(copy.spanContext()).toEqual(original.spanContext());
    expect(original.attributes["session.id"]).toBe(GITHUB_TOKEN);
  });
});

describe("trace links, log rate limit, generation cost", () => {
  it("traceLink: project page with a project id, /trace redirect without, UI URL preferred", () => {
    expect(traceLink({ baseUrl: "http://langfuse-web:3000", uiUrl: "http://localhost:3000/", projectId: "repo-qa" }, "abc")).toBe("http://localhost:3000/project/repo-qa/traces/abc");
    expect(traceLink({ baseUrl: "https://langfuse.example.com/" }, "abc")).toBe("https://langfuse.example.com/trace/abc");
    expect(traceLink({}, "abc")).toBe("https://cloud.langfuse.com/trace/abc");
  });

  it("RateLimitedLog writes one line per interval and reports what it held back", () => {
    let now = 0;
    const lines: string[] = [];
    const log = new RateLimitedLog((line) => lines.push(line), 60_000, () => now);
    log.log("down");
    log.log("down");
    log.log("down");
    now = 60_000;
    log.log("still down");
    expect(lines).toEqual(["down", "still down (2 similar message(s) suppressed)"]);
  });

  it("costDetailsOf prices the served model (date suffix and all), falls back to the requested one, and skips unknown models", () => {
    const result = (model: string | undefined, usage?: { input_tokens: number; output_tokens: number }): LLMResult => ({
      generations: [[{ text: "", message: new AIMessage({ content: "", response_metadata: model ? { model_name: model } : {}, ...(usage ? { usage_metadata: { ...usage, total_tokens: usage.input_tokens + usage.output_tokens } } : {}) }) } as never]],
    });
    const usage = { input_tokens: 1_000, output_tokens: 200 };
    const mini = DEFAULT_MODEL_PRICES["gpt-4o-mini"]!;
    const expected = { input: (1_000 * mini.input) / 1e6, output: (200 * mini.output) / 1e6, total: (1_000 * mini.input + 200 * mini.output) / 1e6 };

    expect(costDetailsOf(DEFAULT_MODEL_PRICES, result("gpt-4o-mini-2024-07-18", usage))).toEqual(expected);
    expect(costDetailsOf(DEFAULT_MODEL_PRICES, result("local-llama", usage), "gpt-4o-mini")).toEqual(expected);
    expect(costDetailsOf(DEFAULT_MODEL_PRICES, result("local-llama", usage))).toBeUndefined();
    expect(costDetailsOf(DEFAULT_MODEL_PRICES, result("gpt-4o-mini"))).toBeUndefined();
    expect(costDetailsOf(DEFAULT_MODEL_PRICES, { generations: [[]], llmOutput: { tokenUsage: { promptTokens: 1_000, completionTokens: 200 } } }, "gpt-4o-mini")).toEqual(expected);
  });
});
