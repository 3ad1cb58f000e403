import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { InMemorySpanExporter } from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServices, type AppServices } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { AskResultSchema } from "../src/contract.js";
import { buildServer, type ApiServer } from "../src/server/app.js";
import { flushTracing, initTracing, shutdownTracing } from "../src/tracing/setup.js";

/**
 * An API key must never reach a log line or a span: the real offline pipelines over the sample
 * repository, a captured log stream and an in-memory span exporter, and requests that carry the
 * key in every way a client might (valid, invalid, malformed).
 */

const KEY = "secret-api-key-3f9a1c0e7b5d2468";
const WRONG_KEY = "wrong-api-key-8c7d6e5f4a3b2c1d";
const CALLER_ID = `key:${createHash("sha256").update(KEY).digest("hex").slice(0, 12)}`;

const exporter = new InMemorySpanExporter();
const lines: string[] = [];
let app: ApiServer;
let services: AppServices;
let indexCache: string;

beforeAll(async () => {
  initTracing({ console: false }, { exporter, exportMode: "immediate" });
  indexCache = await mkdtemp(path.join(tmpdir(), "auth-secrecy-"));
  const config = loadConfig({ INDEX_CACHE_DIR: indexCache, STATE_DB_PATH: ":memory:", API_KEYS: KEY, LOG_LEVEL: "trace" });
  services = await createServices(config);
  app = buildServer({ config, services, logger: { stream: { write: (line) => void lines.push(line) } } });
  await app.ready();
});

afterAll(async () => {
  await app.close();
  await services?.close();
  await shutdownTracing();
  await rm(indexCache, { recursive: true, force: true });
});

describe("API keys stay out of logs and traces", () => {
  it("logs and traces a request with its caller id, never its key", async () => {
    const response = await app.inject({
      method: "POST",
      url: "/ask",
      headers: { "content-type": "application/json", authorization: `Bearer ${KEY}` },
      payload: JSON.stringify({ question: "Which third-party Python packages does the worker depend on?" }),
    });
    expect(response.statusCode, response.body).toBe(200);
    const result = AskResultSchema.parse(response.json());

    // Refused requests log too; their keys must not appear either.
    expect((await app.inject({ method: "POST", url: "/ask", headers: { authorization: `Bearer ${WRONG_KEY}` }, payload: {} })).statusCode).toBe(401);
    expect((await app.inject({ method: "GET", url: "/healthz", headers: { authorization: `Token ${WRONG_KEY}` } })).statusCode).toBe(200);

    await flushTracing();
    const spans = exporter.getFinishedSpans().filter((span) => span.spanContext().traceId === result.traceId);
    expect(spans.length).toBeGreaterThan(3);
    const spanText = JSON.stringify(spans.map((span) => ({ name: span.name, attributes: span.attributes, events: span.events, status: span.status })));
    // The caller id is what identifies the caller in the trace.
    expect(spanText).toContain(CALLER_ID);
    const logText = lines.join("\n");
    expect(logText).toContain('"status":401');
    for (const secret of [KEY, WRONG_KEY]) {
      expect(spanText).not.toContain(secret);
      expect(logText).not.toContain(secret);
    }
  });
});
