import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppServices } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { AppError } from "../src/errors.js";
import { buildServer, type ApiServer } from "../src/server/app.js";

const SECRET_TOKEN = "sk-test-9f8e7d6c5b4a3210";

const lines: string[] = [];
const logEntries = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
let app: ApiServer;

beforeAll(async () => {
  const services = {
    index: { version: "test", stats: { files: 1, chunks: 1 } },
    models: { kind: "offline" },
    pipelines: {
      orchestrated: { name: "orchestrated", run: async () => Promise.reject(new AppError("PIPELINE_FAILED", "The orchestrated pipeline failed: boom.")) },
      baseline: { name: "baseline", run: async () => Promise.reject(new Error(`internal detail ${SECRET_TOKEN}`)) },
    },
  } as unknown as AppServices;
  app = buildServer({ config: loadConfig({ LOG_LEVEL: "info" }), services, logger: { stream: { write: (line) => void lines.push(line) } } });
  await app.ready();
});
afterAll(() => app.close());

const ask = (pipeline: string, requestId: string) =>
  app.inject({
    method: "POST",
    url: "/ask",
    headers: { "content-type": "application/json", authorization: `Bearer ${SECRET_TOKEN}`, cookie: `session=${SECRET_TOKEN}`, "x-request-id": requestId },
    payload: JSON.stringify({ question: "why?", pipeline }),
  });

describe("request logs", () => {
  it("writes one line per request with route, pipeline, status, error code and latency", async () => {
    await ask("orchestrated", "log-test-1");
    const forRequest = logEntries().filter((entry) => entry.reqId === "log-test-1");
    const summaries = forRequest.filter((entry) => "latencyMs" in entry);
    expect(summaries).toHaveLength(1);
    expect(summaries[0]).toMatchObject({ method: "POST", route: "/ask", pipeline: "orchestrated", status: 502, errorCode: "PIPELINE_FAILED", msg: "request failed" });
    expect(summaries[0]!.latencyMs).toEqual(expect.any(Number));
  });

  it("logs the details of an unexpected error for operators, never the Authorization header or cookies", async () => {
    const response = await ask("baseline", "log-test-2");
    expect(response.statusCode).toBe(500);
    const forRequest = logEntries().filter((entry) => entry.reqId === "log-test-2");
    const errorLine = forRequest.find((entry) => entry.msg === "unexpected error");
    expect(errorLine?.err).toMatchObject({ message: expect.stringContaining("internal detail") });
    expect(forRequest.find((entry) => "latencyMs" in entry)).toMatchObject({ pipeline: "baseline", status: 500, errorCode: "INTERNAL" });
    const authLeaks = lines.filter((line) => line.includes(`Bearer ${SECRET_TOKEN}`) || line.includes(`session=${SECRET_TOKEN}`));
    expect(authLeaks).toEqual([]);
  });

  it("redacts credentials wherever they are logged", () => {
    const before = lines.length;
    app.log.info({ req: { headers: { authorization: `Bearer ${SECRET_TOKEN}` } }, models: { apiKey: SECRET_TOKEN } }, "diagnostic");
    const written = lines.slice(before).join("");
    expect(written).toContain("[redacted]");
    expect(written).not.toContain(SECRET_TOKEN);
  });
});
