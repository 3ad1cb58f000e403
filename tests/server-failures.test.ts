import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { AppServices } from "../src/app.js";
import { loadConfig, type AppConfig } from "../src/config.js";
import type { AskOptions, AskResult } from "../src/contract.js";
import { AppError } from "../src/errors.js";
import { buildServer, type ApiServer } from "../src/server/app.js";

type Run = (question: string, options?: AskOptions) => Promise<AskResult>;

const okResult = (question: string): AskResult => ({
  answer: `Answer to: ${question}`,
  route: "general",
  routeConfidence: 1,
  routerSource: "classifier",
  routesRun: ["general"],
  citations: [],
  evidence: [],
  toolsCalled: [],
  usage: { inputTokens: 0, outputTokens: 0, costUsd: 0 },
  latencyMs: 0,
  pipeline: "orchestrated",
  provider: "offline",
  traceId: null,
  notFound: false,
  warnings: [],
});

/** Services whose orchestrated pipeline is `run`; the baseline always answers. */
function servicesWith(run: Run): AppServices {
  return {
    index: { version: "test", stats: { files: 1, chunks: 1 } },
    models: { kind: "offline" },
    pipelines: { orchestrated: { name: "orchestrated", run }, baseline: { name: "baseline", run: async (q: string) => ({ ...okResult(q), pipeline: "baseline", route: null }) } },
  } as unknown as AppServices;
}

/** Resolves when the pipeline's signal aborts, after the pipeline has started. */
function pipelineThatWaitsForAbort() {
  let started!: () => void;
  const startedPromise = new Promise<void>((resolve) => (started = resolve));
  let abortReason: unknown;
  const run: Run = (_question, options) =>
    new Promise((_, reject) => {
      started();
      options?.signal?.addEventListener("abort", () => {
        abortReason = options.signal?.reason;
        // What the real pipelines do with an aborted signal.
        reject(new AppError("CANCELLED", "The request was cancelled before it finished."));
      });
    });
  return { run, started: startedPromise, abortReason: () => abortReason };
}

const servers: ApiServer[] = [];
function serve(services: Promise<AppServices> | AppServices | undefined, config: AppConfig = loadConfig({})): ApiServer {
  const app = buildServer({ config, services, logger: false });
  servers.push(app);
  return app;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((app) => app.close()));
});

const askBody = (question: string, pipeline = "orchestrated") => ({
  method: "POST" as const,
  url: "/ask",
  headers: { "content-type": "application/json" },
  payload: JSON.stringify({ question, pipeline }),
});

describe("pipeline failures", () => {
  it("maps an AppError PIPELINE_FAILED to 502 with its message, then keeps serving", async () => {
    let calls = 0;
    const app = serve(
      servicesWith(async (question) => {
        calls += 1;
        if (calls === 1) throw new AppError("PIPELINE_FAILED", "The orchestrated pipeline failed: the code specialist crashed.", true);
        return okResult(question);
      }),
    );
    const failed = await app.inject(askBody("first"));
    expect(failed.statusCode).toBe(502);
    expect(failed.json()).toEqual({
      error: { code: "PIPELINE_FAILED", message: "The orchestrated pipeline failed: the code specialist crashed.", requestId: failed.headers["x-request-id"] },
    });
    const next = await app.inject(askBody("second"));
    expect(next.statusCode).toBe(200);
    expect(next.json().answer).toBe("Answer to: second");
  });

  it("maps a plain Error to a generic 500 INTERNAL without its message or stack, then keeps serving", async () => {
    let calls = 0;
    const app = serve(
      servicesWith(async (question) => {
        calls += 1;
        if (calls === 1) throw new Error("connect ECONNREFUSED 10.0.0.7:5432 at /srv/app/secret-path.ts:12:3");
        return okResult(question);
      }),
    );
    const failed = await app.inject(askBody("first"));
    expect(failed.statusCode).toBe(500);
    expect(failed.json().error).toMatchObject({ code: "INTERNAL", message: "An unexpected error occurred." });
    expect(failed.body).not.toContain("ECONNREFUSED");
    expect(failed.body).not.toContain("secret-path");
    const next = await app.inject(askBody("second"));
    expect(next.statusCode).toBe(200);
  });

  it("maps MODEL_UNAVAILABLE to 503 with Retry-After", async () => {
    const app = serve(
      servicesWith(async () => {
        throw new AppError("MODEL_UNAVAILABLE", "The model provider answered 503 three times.", true);
      }),
    );
    const response = await app.inject(askBody("anything"));
    expect(response.statusCode).toBe(503);
    expect(response.headers["retry-after"]).toBe("5");
    expect(response.json().error).toMatchObject({ code: "MODEL_UNAVAILABLE", message: "The model provider answered 503 three times." });
  });

  it("returns 500 when a pipeline returns something that is not an AskResult", async () => {
    const app = serve(servicesWith(async () => ({ answer: 42 }) as unknown as AskResult));
    const response = await app.inject(askBody("anything"));
    expect(response.statusCode).toBe(500);
    expect(response.json().error.code).toBe("INTERNAL");
  });
});

describe("readiness", () => {
  it("answers 503 NOT_READY with Retry-After until the services are built, then 200", async () => {
    let provide!: (services: AppServices) => void;
    const app = serve(new Promise<AppServices>((resolve) => (provide = resolve)));

    const health = await app.inject({ url: "/healthz" });
    expect(health.statusCode).toBe(200);
    expect(health.json()).toEqual({ status: "ok" });

    const notReady = await app.inject({ url: "/readyz" });
    expect(notReady.statusCode).toBe(503);
    expect(notReady.headers["retry-after"]).toBe("2");
    expect(notReady.json().error).toMatchObject({ code: "NOT_READY", message: "The repository index is still being built; retry shortly." });

    const askTooEarly = await app.inject(askBody("too early"));
    expect(askTooEarly.statusCode).toBe(503);
    expect(askTooEarly.json().error.code).toBe("NOT_READY");

    provide(servicesWith(async (question) => okResult(question)));
    await new Promise((resolve) => setImmediate(resolve));

    const ready = await app.inject({ url: "/readyz" });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: "ready", provider: "offline", indexVersion: "test", files: 1, chunks: 1 });
    const asked = await app.inject(askBody("now"));
    expect(asked.statusCode).toBe(200);
  });

  it("stays not ready, saying why, when building the services failed", async () => {
    const failed = Promise.reject(new Error("repository path /nowhere does not exist"));
    const app = serve(failed);
    await failed.catch(() => {});
    const response = await app.inject({ url: "/readyz" });
    expect(response.statusCode).toBe(503);
    expect(response.json().error.message).toContain("could not be built");
  });
});

describe("cancellation", () => {
  it("aborts the pipeline and answers 504 DEADLINE_EXCEEDED when the request deadline passes", async () => {
    const pipeline = pipelineThatWaitsForAbort();
    const app = serve(servicesWith(pipeline.run), loadConfig({ REQUEST_TIMEOUT_MS: "150" }));
    const response = await app.inject(askBody("slow"));
    expect(response.statusCode).toBe(504);
    expect(response.json().error).toMatchObject({ code: "DEADLINE_EXCEEDED", message: expect.stringContaining("150 ms") });
    expect(pipeline.abortReason()).toMatchObject({ code: "DEADLINE_EXCEEDED" });
  });

  it("answers 504 at the deadline even when the pipeline ignores its signal", async () => {
    const app = serve(servicesWith(() => new Promise<AskResult>(() => {})), loadConfig({ REQUEST_TIMEOUT_MS: "150" }));
    const response = await app.inject(askBody("stuck"));
    expect(response.statusCode).toBe(504);
  });

  it("aborts the pipeline when the client disconnects, and keeps serving", async () => {
    const pipeline = pipelineThatWaitsForAbort();
    const app = serve(servicesWith(pipeline.run));
    await app.listen({ host: "127.0.0.1", port: 0 });
    const { port } = app.server.address() as AddressInfo;

    const request = http.request({ host: "127.0.0.1", port, method: "POST", path: "/ask", headers: { "content-type": "application/json" } });
    request.on("error", () => {}); // the socket is destroyed on purpose
    request.end(JSON.stringify({ question: "slow" }));
    await pipeline.started;
    // The pipeline is running and its signal has not fired: reading the body alone must not cancel it.
    expect(pipeline.abortReason()).toBeUndefined();
    request.destroy();

    await expect.poll(() => pipeline.abortReason()).toMatchObject({ code: "CANCELLED", message: "The client disconnected before the answer was ready." });
    const next = await fetch(`http://127.0.0.1:${port}/ask`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ question: "after", pipeline: "baseline" }) });
    expect(next.status).toBe(200);
    expect(((await next.json()) as AskResult).answer).toBe("Answer to: after");
  });
});

describe("graceful close", () => {
  it("lets an in-flight request finish, then closes without waiting for the keep-alive timeout", async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const startedPromise = new Promise<void>((resolve) => (started = resolve));
    const app = serve(
      servicesWith(async (question) => {
        started();
        await released;
        return okResult(question);
      }),
    );
    await app.listen({ host: "127.0.0.1", port: 0 });
    const { port } = app.server.address() as AddressInfo;
    const agent = new http.Agent({ keepAlive: true });

    const inFlight = postWith(agent, port, "/ask", JSON.stringify({ question: "in flight" }));
    await startedPromise;
    let closed = false;
    const closing = app.close().then(() => (closed = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(closed).toBe(false);

    release();
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body).answer).toBe("Answer to: in flight");
    // Tells the keep-alive client to let go, so close() does not wait out the keep-alive timeout.
    expect(response.headers.connection).toBe("close");
    await closing;
    expect(closed).toBe(true);
    agent.destroy();
  });
});

function postWith(agent: http.Agent, port: number, path: string, body: string): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const request = http.request({ agent, host: "127.0.0.1", port, path, method: "POST", headers: { "content-type": "application/json" } }, (response) => {
      let text = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => (text += chunk));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body: text, headers: response.headers }));
    });
    request.on("error", reject);
    request.end(body);
  });
}
