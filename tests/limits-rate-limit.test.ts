import { randomUUID } from "node:crypto";
import { createServer, type AddressInfo } from "node:net";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppServices } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import type { AskResult } from "../src/contract.js";
import { buildServer, type ApiServer } from "../src/server/app.js";
import { askResult } from "./helpers/ask-result.js";

/** The per-caller rate limit: in memory, on the machine's Redis shared by two servers, and failing open without Redis. */

const KEY_A = "limits-key-a-0123456789abcdefgh";
const KEY_B = "limits-key-b-0123456789abcdefgh";
const REDIS_URL = "redis://127.0.0.1:6379";

const ANSWER: AskResult = askResult({ answer: "ok" });

const services = {
  index: { version: "test", stats: { files: 1, chunks: 1 } },
  models: { kind: "offline" },
  pipelines: { orchestrated: { name: "orchestrated", run: async () => ANSWER }, baseline: { name: "baseline", run: async () => ANSWER } },
} as unknown as AppServices;

function serverWith(env: Record<string, string>, lines?: string[]): ApiServer {
  return buildServer({ config: loadConfig({ LOG_LEVEL: "info", ...env }), services, logger: lines ? { stream: { write: (line) => void lines.push(line) } } : false });
}

const askVia = (app: ApiServer, key?: string, remoteAddress?: string) =>
  app.inject({
    method: "POST",
    url: "/ask",
    headers: { "content-type": "application/json", ...(key ? { authorization: `Bearer ${key}` } : {}) },
    payload: JSON.stringify({ question: "Where is a defined?" }),
    ...(remoteAddress ? { remoteAddress } : {}),
  });

/** POST /ask over real HTTP. */
const askOver = (baseUrl: string, key: string) =>
  fetch(`${baseUrl}/ask`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${key}` }, body: JSON.stringify({ question: "Where is a defined?" }) });

async function expectRateLimited(response: { status: number; headers: Headers | Record<string, unknown>; body: unknown }): Promise<void> {
  expect(response.status).toBe(429);
  const retryAfter = Number(response.headers instanceof Headers ? response.headers.get("retry-after") : response.headers["retry-after"]);
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(60);
  expect(response.body).toEqual({ error: { code: "RATE_LIMITED", message: expect.stringMatching(/^Rate limit of \d+ requests per 1 minute\(s\) exceeded; retry in .+ \(Retry-After\)\.$/), requestId: expect.any(String) } });
}

describe("rate limit in memory", () => {
  it("limits each API key separately and answers 429 RATE_LIMITED with Retry-After beyond the limit", async () => {
    const app = serverWith({ API_KEYS: `${KEY_A},${KEY_B}`, RATE_LIMIT_MAX: "2", RATE_LIMIT_WINDOW: "1m" });
    try {
      const first = await askVia(app, KEY_A);
      expect(first.statusCode).toBe(200);
      expect(first.headers["x-ratelimit-limit"]).toBe("2");
      expect(first.headers["x-ratelimit-remaining"]).toBe("1");
      expect((await askVia(app, KEY_A)).statusCode).toBe(200);
      const third = await askVia(app, KEY_A);
      await expectRateLimited({ status: third.statusCode, headers: third.headers, body: third.json() });
      // Another key has its own budget.
      expect((await askVia(app, KEY_B)).statusCode).toBe(200);
      // Probes are never limited.
      for (let i = 0; i < 5; i++) expect((await app.inject({ method: "GET", url: "/healthz" })).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });

  it("limits each client IP when auth is off", async () => {
    const app = serverWith({ AUTH: "off", RATE_LIMIT_MAX: "1" });
    try {
      expect((await askVia(app, undefined, "10.0.0.1")).statusCode).toBe(200);
      expect((await askVia(app, undefined, "10.0.0.1")).statusCode).toBe(429);
      expect((await askVia(app, undefined, "10.0.0.2")).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });

  it("RATE_LIMIT_MAX=0 turns the limit off", async () => {
    const app = serverWith({ AUTH: "off", RATE_LIMIT_MAX: "0" });
    try {
      for (let i = 0; i < 5; i++) {
        const response = await askVia(app);
        expect(response.statusCode).toBe(200);
        expect(response.headers["x-ratelimit-limit"]).toBeUndefined();
      }
    } finally {
      await app.close();
    }
  });

  it("rejects a window that is not a duration", () => {
    expect(loadConfig({ RATE_LIMIT_WINDOW: "30s" }).limits.rateLimitWindowMs).toBe(30_000);
    expect(loadConfig({ RATE_LIMIT_WINDOW: "2000" }).limits.rateLimitWindowMs).toBe(2_000);
    expect(() => loadConfig({ RATE_LIMIT_WINDOW: "soon" })).toThrow(/RATE_LIMIT_WINDOW: must be a positive duration/);
  });
});

describe("rate limit on Redis", () => {
  const prefix = `repo-qa-test:${randomUUID()}:`;
  let redis: Redis;
  const servers: ApiServer[] = [];

  beforeAll(() => {
    redis = new Redis(REDIS_URL);
  });

  afterAll(async () => {
    await Promise.all(servers.map((server) => server.close()));
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  });

  it("shares one count across two server instances: the second sees the first's requests", async () => {
    const env = { API_KEYS: `${KEY_A},${KEY_B}`, RATE_LIMIT_MAX: "3", REDIS_URL, RATE_LIMIT_REDIS_PREFIX: prefix };
    const [one, two] = [serverWith(env), serverWith(env)];
    servers.push(one, two);
    const [urlOne, urlTwo] = await Promise.all([one.listen({ port: 0, host: "127.0.0.1" }), two.listen({ port: 0, host: "127.0.0.1" })]);

    expect((await askOver(urlOne!, KEY_A)).status).toBe(200);
    expect((await askOver(urlOne!, KEY_A)).status).toBe(200);
    const third = await askOver(urlTwo!, KEY_A);
    expect(third.status).toBe(200);
    expect(third.headers.get("x-ratelimit-remaining")).toBe("0");

    for (const url of [urlTwo!, urlOne!]) {
      const refused = await askOver(url, KEY_A);
      await expectRateLimited({ status: refused.status, headers: refused.headers, body: await refused.json() });
    }
    expect((await askOver(urlTwo!, KEY_B)).status).toBe(200);

    // The counters are in Redis under the prefix, keyed by the caller id (a key digest), with the window as expiry.
    const keys = await redis.keys(`${prefix}*`);
    expect(keys).toHaveLength(2);
    expect(keys.join(" ")).not.toContain(KEY_A);
    const counts = await Promise.all(keys.map((key) => redis.get(key)));
    expect(counts.map(Number).sort()).toEqual([1, 5]);
    const ttl = await redis.pttl(keys[0]!);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it("fails open when Redis is unreachable: requests are answered and a warning is logged once", async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, "127.0.0.1", () => {
        const { port } = probe.address() as AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const lines: string[] = [];
    const app = serverWith({ AUTH: "off", RATE_LIMIT_MAX: "1", REDIS_URL: `redis://127.0.0.1:${closedPort}`, RATE_LIMIT_REDIS_PREFIX: prefix }, lines);
    servers.push(app);
    await app.ready();
    for (let i = 0; i < 4; i++) expect((await askVia(app)).statusCode).toBe(200);
    const warnings = lines.map((line) => JSON.parse(line) as { level: number; msg: string; reason?: string }).filter((entry) => entry.msg.startsWith("rate limiting is failing open"));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ level: 40, reason: expect.stringMatching(/ECONNREFUSED|Redis/) });
  });
});
