import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppServices } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import type { AskResult } from "../src/contract.js";
import { buildServer, type ApiServer } from "../src/server/app.js";

/** Services whose pipelines echo the question: enough to exercise the HTTP layer without an index. */
function echoServices(): AppServices {
  const answer = (pipeline: "orchestrated" | "baseline") => async (question: string): Promise<AskResult> => ({
    answer: `You asked: ${question}`,
    route: pipeline === "orchestrated" ? "general" : null,
    routeConfidence: pipeline === "orchestrated" ? 0.9 : null,
    routerSource: pipeline === "orchestrated" ? "classifier" : null,
    routesRun: pipeline === "orchestrated" ? ["general"] : [],
    citations: [{ path: "README.md", startLine: 1, endLine: 3 }],
    evidence: [],
    toolsCalled: [],
    usage: { inputTokens: 0, outputTokens: 0, costUsd: 0 },
    latencyMs: 1,
    pipeline,
    provider: "offline",
    traceId: null,
    notFound: false,
    warnings: [],
  });
  return {
    config: loadConfig({}),
    index: { version: "test-index", stats: { files: 3, chunks: 7 } },
    models: { kind: "offline" },
    pipelines: { orchestrated: { name: "orchestrated", run: answer("orchestrated") }, baseline: { name: "baseline", run: answer("baseline") } },
  } as unknown as AppServices;
}

const config = loadConfig({});
let app: ApiServer;

beforeAll(async () => {
  app = buildServer({ config, services: echoServices(), logger: false });
  await app.ready();
});
afterAll(() => app.close());

const ask = (payload: unknown, headers: Record<string, string> = { "content-type": "application/json" }) =>
  app.inject({ method: "POST", url: "/ask", headers, payload: typeof payload === "string" ? payload : JSON.stringify(payload) });

describe("POST /ask input validation", () => {
  it.each([
    ["a missing question", {}, "question: required"],
    ["an empty question", { question: "" }, "question: must not be empty"],
    ["a blank question", { question: "   \n " }, "question: must not be empty"],
    ["a question of the wrong type", { question: 42 }, "question: must be a string"],
    ["a pipeline of the wrong type", { question: "hi", pipeline: 1 }, "pipeline:"],
    ["an unknown pipeline", { question: "hi", pipeline: "fastest" }, 'pipeline: Invalid option: expected one of "orchestrated"|"baseline"'],
    ["an unknown field", { question: "hi", temperature: 0.2 }, 'Unrecognized key: "temperature"'],
    ["a question over 8000 characters", { question: "x".repeat(8001) }, "question: must be at most 8000 characters"],
    ["a threadId with forbidden characters", { question: "hi", threadId: "a b/c" }, "threadId: may contain only letters, digits and . _ : -"],
    ["a body that is not an object", ["hi"], 'body: must be a JSON object like {"question": "…"}'],
  ])("rejects %s with 400 INVALID_REQUEST naming the problem", async (_case, body, expected) => {
    const response = await ask(body);
    expect(response.statusCode).toBe(400);
    const { error } = response.json();
    expect(error.code).toBe("INVALID_REQUEST");
    expect(error.message).toContain(expected);
  });

  it("accepts a question of exactly 8000 characters", async () => {
    const response = await ask({ question: "y".repeat(8000) });
    expect(response.statusCode).toBe(200);
  });

  it("rejects invalid JSON", async () => {
    const response = await ask('{"question": "unterminated');
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatchObject({ code: "INVALID_REQUEST", message: expect.stringContaining("not valid JSON") });
  });

  it("rejects an empty JSON body", async () => {
    const response = await ask("");
    expect(response.statusCode).toBe(400);
    expect(response.json().error.message).toContain("The request body is empty");
  });

  it("rejects a body that is not JSON by its content type", async () => {
    const response = await ask("what does this repo do?", { "content-type": "text/plain" });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatchObject({ code: "INVALID_REQUEST", message: 'Content-Type must be application/json (got "text/plain").' });
  });

  it("rejects a body with no content type", async () => {
    const response = await app.inject({ method: "POST", url: "/ask", payload: Buffer.from('{"question":"hi"}') });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.message).toBe("Content-Type must be application/json (got none).");
  });

  it("rejects a body over the 64 KiB limit with 400, not 413", async () => {
    const response = await ask({ question: "z".repeat(70 * 1024) });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatchObject({ code: "INVALID_REQUEST", message: "The request body is larger than the limit of 65536 bytes." });
  });

  it("never returns a stack trace in an error", async () => {
    const response = await ask("{bad json");
    expect(response.body).not.toMatch(/\bat .+:\d+:\d+/);
    expect(Object.keys(response.json())).toEqual(["error"]);
  });
});

describe("POST /ask success", () => {
  it("runs the orchestrated pipeline by default and returns the AskResult", async () => {
    const response = await ask({ question: "What does this repo do?" });
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toContain("application/json");
    expect(response.json()).toMatchObject({ answer: "You asked: What does this repo do?", pipeline: "orchestrated", route: "general" });
  });

  it("runs the baseline when asked, with a null route", async () => {
    const response = await ask({ question: "What does this repo do?", pipeline: "baseline", threadId: "thread-1.a:b_c", userId: "someone" });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ pipeline: "baseline", route: null, routeConfidence: null });
  });
});

describe("unknown routes", () => {
  it("answers 404 with the error shape", async () => {
    const response = await app.inject({ method: "GET", url: "/nowhere" });
    expect(response.statusCode).toBe(404);
    expect(response.json().error).toMatchObject({ code: "NOT_FOUND", message: expect.stringContaining("No route for GET /nowhere") });
  });

  it("answers 404 for a known path with the wrong method", async () => {
    const response = await app.inject({ method: "GET", url: "/ask" });
    expect(response.statusCode).toBe(404);
    expect(response.json().error.code).toBe("NOT_FOUND");
  });
});

describe("request ids", () => {
  it("echoes a sane incoming x-request-id in the response header and error body", async () => {
    const response = await ask({}, { "content-type": "application/json", "x-request-id": "client-req.42" });
    expect(response.headers["x-request-id"]).toBe("client-req.42");
    expect(response.json().error.requestId).toBe("client-req.42");
  });

  it("replaces an unsafe incoming id with a generated one", async () => {
    const response = await app.inject({ method: "GET", url: "/healthz", headers: { "x-request-id": "evil\nid with spaces" } });
    expect(response.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("generates a different id per request when none is sent", async () => {
    const [first, second] = await Promise.all([app.inject({ url: "/healthz" }), app.inject({ url: "/healthz" })]);
    expect(first.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(first.headers["x-request-id"]).not.toBe(second.headers["x-request-id"]);
  });
});

describe("OpenAPI", () => {
  it("documents POST /ask with the request schema and the AskResult response from zod", async () => {
    const response = await app.inject({ method: "GET", url: "/openapi.json" });
    expect(response.statusCode).toBe(200);
    const document = response.json();
    const post = document.paths["/ask"].post;
    expect(post.requestBody.content["application/json"].schema.$ref).toBe("#/components/schemas/AskRequestInput");
    expect(post.responses["200"].content["application/json"].schema.$ref).toBe("#/components/schemas/AskResult");
    const askResult = document.components.schemas.AskResult;
    expect(askResult.required).toEqual(expect.arrayContaining(["answer", "route", "citations", "evidence", "toolsCalled", "usage", "traceId", "notFound"]));
    const askRequest = document.components.schemas.AskRequestInput;
    expect(askRequest.properties.question).toMatchObject({ type: "string", minLength: 1, maxLength: 8000 });
    expect(askRequest.additionalProperties).toBe(false);
    expect(askRequest.properties.question.description).toContain("stack trace");
    // Each shape appears once: the generator's unused request/response twins are dropped.
    expect(Object.keys(document.components.schemas).sort()).toEqual(["AskRequestInput", "AskResult", "ErrorResponse", "Job", "RunEvent"]);
    expect(post.responses["4XX"].content["application/json"].schema.$ref).toBe("#/components/schemas/ErrorResponse");
    expect(document.paths["/healthz"].get).toBeDefined();
    expect(document.paths["/readyz"].get).toBeDefined();
    expect(document.paths["/openapi.json"]).toBeUndefined();
  });

  it("serves Swagger UI at /docs", async () => {
    const response = await app.inject({ method: "GET", url: "/docs/" });
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain("swagger-ui");
  });
});
