import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppServices } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import type { AskResult } from "../src/contract.js";
import { buildServer, type ApiServer } from "../src/server/app.js";
import { askResult } from "./helpers/ask-result.js";

/**
 * The bound on requests in flight, over real HTTP: a pipeline that holds every question until the
 * test releases it fills the server, and the next question is refused at once.
 */

const MAX_IN_FLIGHT = 2;

const ANSWER: AskResult = askResult({ answer: "ok" });

/** Questions waiting in the slow pipeline; `started` resolves as each arrives. */
const held: Array<() => void> = [];
let arrivals: Array<() => void> = [];
const arrived = () => new Promise<void>((resolve) => arrivals.push(resolve));
const releaseAll = () => held.splice(0).forEach((release) => release());

const slowPipeline = {
  name: "orchestrated",
  run: () =>
    new Promise<AskResult>((resolve) => {
      held.push(() => resolve(ANSWER));
      arrivals.splice(0).forEach((notify) => notify());
    }),
};

let app: ApiServer;
let baseUrl: string;

beforeAll(async () => {
  const services = {
    index: { version: "test", stats: { files: 1, chunks: 1 } },
    models: { kind: "offline" },
    pipelines: { orchestrated: slowPipeline, baseline: slowPipeline },
  } as unknown as AppServices;
  app = buildServer({ config: loadConfig({ AUTH: "off", MAX_IN_FLIGHT: String(MAX_IN_FLIGHT) }), services, logger: false });
  baseUrl = await app.listen({ port: 0, host: "127.0.0.1" });
});

afterAll(async () => {
  releaseAll();
  await app.close();
});

const ask = () => fetch(`${baseUrl}/ask`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ question: "Where is a defined?" }) });

async function fillServer(): Promise<Array<Promise<Response>>> {
  const pending: Array<Promise<Response>> = [];
  for (let i = 0; i < MAX_IN_FLIGHT; i++) {
    const arrival = arrived();
    pending.push(ask());
    await arrival;
  }
  expect(held).toHaveLength(MAX_IN_FLIGHT);
  return pending;
}

describe("MAX_IN_FLIGHT", () => {
  it("refuses a request beyond the bound at once with 503 OVERLOADED and Retry-After, and serves again when a slot frees", async () => {
    const pending = await fillServer();

    const refused = await ask();
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("1");
    expect(await refused.json()).toEqual({ error: { code: "OVERLOADED", message: expect.stringContaining(`answering ${MAX_IN_FLIGHT} requests already`), requestId: expect.any(String) } });
    // Refused, not queued: the pipeline never saw it.
    expect(held).toHaveLength(MAX_IN_FLIGHT);

    // Health checks are not counted and keep answering under load.
    expect((await fetch(`${baseUrl}/healthz`)).status).toBe(200);
    expect((await fetch(`${baseUrl}/readyz`)).status).toBe(200);

    releaseAll();
    for (const response of await Promise.all(pending)) expect(response.status).toBe(200);

    const arrival = arrived();
    const next = ask();
    await arrival;
    releaseAll();
    expect((await next).status).toBe(200);
  });

  it("releases the slot of a client that disconnects before its answer", async () => {
    const arrival = arrived();
    const { port } = new URL(baseUrl);
    const abandoned = http.request({ host: "127.0.0.1", port, method: "POST", path: "/ask", headers: { "content-type": "application/json" } });
    const socketClosed = new Promise((resolve) => abandoned.on("close", resolve));
    abandoned.on("error", () => {}); // destroyed on purpose
    abandoned.end(JSON.stringify({ question: "q" }));
    await arrival;
    abandoned.destroy();
    await socketClosed;

    // The abandoned question's slot is free again: the server takes MAX_IN_FLIGHT new ones.
    const pending: Array<Promise<Response>> = [];
    for (let i = 0; i < MAX_IN_FLIGHT; i++) {
      const next = arrived();
      const response = ask();
      pending.push(response);
      const refused = response.then((r) => (r.status === 503 ? Promise.reject(new Error(`question ${i + 1} refused: the abandoned slot was not released`)) : undefined));
      await Promise.race([next, refused]);
    }
    releaseAll();
    for (const response of await Promise.all(pending)) expect(response.status).toBe(200);
  });
});
