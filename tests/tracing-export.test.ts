import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createServices } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { AskResultSchema } from "../src/contract.js";
import { buildServer } from "../src/server/app.js";
import { currentTracing, flushTracing, initTracing, shutdownTracing } from "../src/tracing/setup.js";

/**
 * Delivery to Langfuse over HTTP, against stand-ins on 127.0.0.1: a collector that accepts OTLP,
 * a closed port, and a server that never answers. A Langfuse that is down must cost a request
 * nothing: exports run in the background, and their failures are counted and logged.
 */

const PUBLIC_KEY = "pk-lf-test-0123456789";
const SECRET_KEY = "sk-lf-test-abcdefghij";
const QUESTION = "Where is the webhook signature verified?";

let indexCache: string;

beforeAll(async () => {
  indexCache = await mkdtemp(path.join(tmpdir(), "tracing-export-"));
});

afterEach(async () => {
  await shutdownTracing(1_000);
});

afterAll(async () => {
  await rm(indexCache, { recursive: true, force: true });
});

const langfuseEnv = (baseUrl: string, extra: Record<string, string> = {}) => ({
  INDEX_CACHE_DIR: indexCache,
  LANGFUSE_PUBLIC_KEY: PUBLIC_KEY,
  LANGFUSE_SECRET_KEY: SECRET_KEY,
  LANGFUSE_BASE_URL: baseUrl,
  ...extra,
});

interface ReceivedExport {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

interface StandIn {
  url: string;
  received: ReceivedExport[];
  /** Resolves when the first request has arrived. */
  firstRequest: Promise<void>;
  close(): Promise<void>;
}

/** A Langfuse stand-in: answers 200 like the OTLP endpoint, or never answers when `hang`. */
async function startLangfuseStandIn(options: { hang?: boolean } = {}): Promise<StandIn> {
  const received: ReceivedExport[] = [];
  let arrived!: () => void;
  const firstRequest = new Promise<void>((resolve) => (arrived = resolve));
  const server: Server = createServer(async (request, response) => {
    const parts: Buffer[] = [];
    for await (const part of request) parts.push(part as Buffer);
    received.push({ method: request.method ?? "", url: request.url ?? "", headers: request.headers, body: Buffer.concat(parts).toString("utf8") });
    arrived();
    if (options.hang) return;
    response.writeHead(200, { "content-type": "application/json" });
    response.end("{}");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    firstRequest,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port nothing listens on: bound once to get a free number, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

interface OtlpAttribute {
  key: string;
  value: { stringValue?: string; boolValue?: boolean; arrayValue?: { values: Array<{ stringValue?: string }> } };
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes: OtlpAttribute[];
}
interface OtlpRequest {
  resourceSpans: Array<{ scopeSpans: Array<{ scope: { name: string }; spans: OtlpSpan[] }> }>;
}

const spansOf = (body: string): OtlpSpan[] => (JSON.parse(body) as OtlpRequest).resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));
const attribute = (span: OtlpSpan, key: string) => span.attributes.find((a) => a.key === key)?.value;

describe("export to Langfuse", () => {
  it("sends the request's spans as OTLP/JSON to /api/public/otel/v1/traces with Basic auth, and links the trace", async () => {
    const langfuse = await startLangfuseStandIn();
    try {
      const services = await createServices(loadConfig(langfuseEnv(langfuse.url, { LANGFUSE_UI_URL: "http://localhost:3000", LANGFUSE_PROJECT_ID: "repo-qa" })));
      const result = await services.pipelines.orchestrated.run(QUESTION, { threadId: "thread-1" });
      expect(result.traceUrl).toBe(`http://localhost:3000/project/repo-qa/traces/${result.traceId}`);

      expect(await flushTracing()).toBe(true);
      expect(langfuse.received.length).toBeGreaterThan(0);
      for (const request of langfuse.received) {
        expect(request.method).toBe("POST");
        expect(request.url).toBe("/api/public/otel/v1/traces");
        expect(request.headers.authorization).toBe(`Basic ${Buffer.from(`${PUBLIC_KEY}:${SECRET_KEY}`).toString("base64")}`);
        expect(request.headers["content-type"]).toBe("application/json");
        expect(request.headers["x-langfuse-public-key"]).toBe(PUBLIC_KEY);
      }

      const spans = langfuse.received.flatMap((request) => spansOf(request.body)).filter((span) => span.traceId === result.traceId);
      expect(spans.map((s) => s.name).sort()).toEqual(["orchestrated", "router", "search_code", "specialist:code", "synthesize"]);
      const root = spans.find((s) => s.name === "orchestrated")!;
      expect(root.parentSpanId ?? "").toBe("");
      const byId = new Map(spans.map((s) => [s.spanId, s.name]));
      expect(Object.fromEntries(spans.filter((s) => s !== root).map((s) => [s.name, byId.get(s.parentSpanId!)]))).toEqual({
        router: "orchestrated",
        "specialist:code": "orchestrated",
        search_code: "specialist:code",
        synthesize: "orchestrated",
      });
      expect(attribute(root, "langfuse.observation.type")?.stringValue).toBe("agent");
      expect(attribute(root, "langfuse.trace.tags")?.arrayValue?.values.map((v) => v.stringValue)).toEqual(["pipeline:orchestrated", "provider:offline", "route:code"]);
      expect(attribute(root, "session.id")?.stringValue).toBe("thread-1");
      expect(currentTracing()!.status()).toMatchObject({ destination: "langfuse", langfuseUrl: langfuse.url, export: { exportedSpans: spans.length, failedExports: 0 } });
    } finally {
      await langfuse.close();
    }
  });

  it("POST /ask returns the trace id and link, and that trace reaches Langfuse", async () => {
    const langfuse = await startLangfuseStandIn();
    const config = loadConfig(langfuseEnv(langfuse.url, { LANGFUSE_PROJECT_ID: "repo-qa" }));
    const app = buildServer({ config, services: await createServices(config), logger: false });
    try {
      const response = await app.inject({ method: "POST", url: "/ask", payload: { question: QUESTION, threadId: "thread-2", userId: "ada" } });
      expect(response.statusCode).toBe(200);
      const result = AskResultSchema.parse(response.json());
      expect(result.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(result.traceUrl).toBe(`${langfuse.url}/project/repo-qa/traces/${result.traceId}`);

      expect(await flushTracing()).toBe(true);
      const root = langfuse.received.flatMap((request) => spansOf(request.body)).find((span) => span.traceId === result.traceId && span.name === result.pipeline);
      expect(attribute(root!, "user.id")?.stringValue).toBe("ada");
      expect(attribute(root!, "session.id")?.stringValue).toBe("thread-2");
    } finally {
      await app.close();
      await langfuse.close();
    }
  });

  it("without a project id the link is Langfuse's /trace/<id> redirect on the base URL", async () => {
    const langfuse = await startLangfuseStandIn();
    try {
      const services = await createServices(loadConfig(langfuseEnv(`${langfuse.url}/`)));
      const result = await services.pipelines.baseline.run(QUESTION);
      expect(result.traceUrl).toBe(`${langfuse.url}/trace/${result.traceId}`);
    } finally {
      await langfuse.close();
    }
  });

  it("without keys nothing is sent and no link is returned, but the trace is kept in memory", async () => {
    const services = await createServices(loadConfig({ INDEX_CACHE_DIR: indexCache }));
    const result = await services.pipelines.orchestrated.run(QUESTION);
    expect(result.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(result.traceUrl).toBeUndefined();
    await flushTracing();
    const tracing = currentTracing()!;
    expect(tracing.status().destination).toBe("memory");
    expect(tracing.recentSpans(result.traceId!).map((s) => s.name).sort()).toEqual(["orchestrated", "router", "search_code", "specialist:code", "synthesize"]);
  });
});

describe("Langfuse unavailable", () => {
  it("a closed port: requests still answer, the flush ends, failures are counted and logged once", async () => {
    const port = await closedPort();
    const logged: string[] = [];
    const config = loadConfig(langfuseEnv(`http://127.0.0.1:${port}`));
    initTracing(config.tracing, { exportTimeoutMs: 500, log: (line) => logged.push(line) });
    const services = await createServices(config);

    for (let i = 0; i < 2; i++) {
      const result = await services.pipelines.orchestrated.run(QUESTION);
      expect(result.answer).not.toBe("");
      expect(result.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(await flushTracing(10_000)).toBe(true);
    }

    const health = currentTracing()!.status().export;
    expect(health.exportedSpans).toBe(0);
    expect(health.failedExports).toBeGreaterThanOrEqual(2);
    expect(health.failedSpans).toBe(10);
    expect(health.lastError).toMatch(/ECONNREFUSED/);
    // Rate-limited: one line for the outage, not one per batch; and never the credentials.
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatch(new RegExp(`^tracing: could not export \\d+ span\\(s\\) to http://127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`));
    expect(logged[0]).not.toContain(SECRET_KEY);
  });

  it("a Langfuse that never answers: a request completes while an export hangs, and shutdown gives up in bounded time", async () => {
    const langfuse = await startLangfuseStandIn({ hang: true });
    try {
      const config = loadConfig(langfuseEnv(langfuse.url));
      initTracing(config.tracing, { exportTimeoutMs: 60_000, log: () => {} });
      const services = await createServices(config);

      await services.pipelines.orchestrated.run(QUESTION);
      const hungFlush = flushTracing(60_000);
      await langfuse.firstRequest; // the export is now in flight and will not be answered

      const result = await services.pipelines.baseline.run(QUESTION);
      expect(result.answer).not.toBe("");

      expect(await shutdownTracing(200)).toBe(false);
      expect(currentTracing()).toBeUndefined();
      void hungFlush;
    } finally {
      await langfuse.close();
    }
  });
});
