import { createHash } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppServices } from "../src/app.js";
import { ConfigError, loadConfig } from "../src/config.js";
import type { AskOptions, AskResult } from "../src/contract.js";
import { buildServer, type ApiServer } from "../src/server/app.js";
import { askResult } from "./helpers/ask-result.js";

/** API keys on the HTTP API (app.inject): who gets in, what the refused hear, and who the trace says asked. */

const KEY_A = "alpha-key-0123456789abcdefghij";
const KEY_B = "bravo-key-0123456789abcdefghij";
const callerIdOf = (key: string) => `key:${createHash("sha256").update(key).digest("hex").slice(0, 12)}`;

const ANSWER: AskResult = askResult();

/** Services whose pipelines answer at once and remember the options they were called with. */
function recordingServices(calls: AskOptions[]): AppServices {
  const run = async (_question: string, options: AskOptions = {}) => {
    calls.push(options);
    return ANSWER;
  };
  return {
    index: { version: "test", stats: { files: 1, chunks: 1 } },
    models: { kind: "offline" },
    pipelines: { orchestrated: { name: "orchestrated", run }, baseline: { name: "baseline", run } },
  } as unknown as AppServices;
}

function serverWith(env: Record<string, string>, calls: AskOptions[] = [], lines?: string[]): ApiServer {
  return buildServer({
    config: loadConfig({ LOG_LEVEL: "info", ...env }),
    services: recordingServices(calls),
    logger: lines ? { stream: { write: (line) => void lines.push(line) } } : false,
  });
}

const ask = (app: ApiServer, headers: Record<string, string> = {}, body: Record<string, unknown> = { question: "Where is a defined?" }) =>
  app.inject({ method: "POST", url: "/ask", headers: { "content-type": "application/json", ...headers }, payload: JSON.stringify(body) });

describe("with API_KEYS configured", () => {
  const calls: AskOptions[] = [];
  let app: ApiServer;
  beforeAll(async () => {
    app = serverWith({ API_KEYS: `${KEY_A}, ${KEY_B}` }, calls);
    await app.ready();
  });
  afterAll(() => app.close());

  it("answers 401 UNAUTHORIZED with WWW-Authenticate and the error shape when no key is sent, without running the pipeline", async () => {
    const before = calls.length;
    const response = await ask(app, { "x-request-id": "no-key-1" });
    expect(response.statusCode).toBe(401);
    expect(response.headers["www-authenticate"]).toBe('Bearer realm="repo-qa"');
    expect(response.json()).toEqual({ error: { code: "UNAUTHORIZED", message: expect.stringContaining("Authorization: Bearer <key>"), requestId: "no-key-1" } });
    expect(calls.length).toBe(before);
  });

  it.each([
    ["a key that is not configured", `Bearer ${KEY_A}x`],
    ["another scheme", `Basic ${Buffer.from(`user:${KEY_A}`).toString("base64")}`],
    ["a Bearer header without a key", "Bearer "],
  ])("answers 401 with error=invalid_token for %s", async (_case, authorization) => {
    const before = calls.length;
    const response = await ask(app, { authorization });
    expect(response.statusCode).toBe(401);
    expect(response.headers["www-authenticate"]).toBe('Bearer realm="repo-qa", error="invalid_token"');
    expect(response.json().error).toMatchObject({ code: "UNAUTHORIZED", message: expect.stringMatching(/not valid/) });
    expect(response.body).not.toContain(KEY_A);
    expect(calls.length).toBe(before);
  });

  it("answers 200 with either configured key, whatever the case of the scheme", async () => {
    for (const authorization of [`Bearer ${KEY_A}`, `bearer ${KEY_B}`, `BEARER   ${KEY_A}`]) {
      const response = await ask(app, { authorization });
      expect(response.statusCode, authorization).toBe(200);
      expect(response.json().answer).toBe(ANSWER.answer);
    }
  });

  it("passes a digest of the key, never the key, as the trace's user when the body names none", async () => {
    calls.length = 0;
    await ask(app, { authorization: `Bearer ${KEY_A}` });
    await ask(app, { authorization: `Bearer ${KEY_B}` });
    await ask(app, { authorization: `Bearer ${KEY_A}` }, { question: "Where is a defined?", userId: "alice" });
    expect(calls.map((c) => c.userId)).toEqual([callerIdOf(KEY_A), callerIdOf(KEY_B), "alice"]);
    expect(callerIdOf(KEY_A)).not.toBe(callerIdOf(KEY_B));
  });

  it("keeps health, readiness and the API description public", async () => {
    for (const url of ["/healthz", "/readyz", "/openapi.json"]) {
      expect((await app.inject({ method: "GET", url })).statusCode, url).toBe(200);
    }
    for (const url of ["/docs", "/docs/", "/docs/json", "/docs/static/swagger-ui.css"]) {
      expect((await app.inject({ method: "GET", url })).statusCode, url).toBe(200);
    }
  });

  it("refuses unknown routes without a key (401, not 404), so routes cannot be probed", async () => {
    expect((await app.inject({ method: "GET", url: "/admin" })).statusCode).toBe(401);
    expect((await app.inject({ method: "GET", url: "/admin", headers: { authorization: `Bearer ${KEY_A}` } })).statusCode).toBe(404);
  });
});

describe("keys from API_KEYS_FILE", () => {
  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(path.join(tmpdir(), "auth-keys-"));
  });
  afterAll(() => rm(directory, { recursive: true, force: true }));

  it("reads one key per line, skipping blank lines and # comments, alongside API_KEYS", async () => {
    const file = path.join(directory, "keys");
    await writeFile(file, `# team alpha\n${KEY_A}\n\n  # ${KEY_B} (revoked)\r\nfile-only-key-0123456789abcdef\n`);
    const app = serverWith({ API_KEYS_FILE: file, API_KEYS: "env-only-key-0123456789abcdef" });
    try {
      expect((await ask(app, { authorization: `Bearer ${KEY_A}` })).statusCode).toBe(200);
      expect((await ask(app, { authorization: "Bearer file-only-key-0123456789abcdef" })).statusCode).toBe(200);
      expect((await ask(app, { authorization: "Bearer env-only-key-0123456789abcdef" })).statusCode).toBe(200);
      expect((await ask(app, { authorization: `Bearer ${KEY_B}` })).statusCode).toBe(401);
    } finally {
      await app.close();
    }
  });

  it("is a configuration error when the file cannot be read", () => {
    expect(() => loadConfig({ API_KEYS_FILE: path.join(directory, "missing") })).toThrow(/API_KEYS_FILE: cannot read .*missing \(ENOENT\)/);
  });
});

describe("configuration", () => {
  it("turns auth on when keys are configured and AUTH is unset", () => {
    expect(loadConfig({ API_KEYS: KEY_A }).auth).toEqual({ required: true, apiKeys: [KEY_A] });
  });

  it("runs without auth, saying why, when no keys are configured (so a fresh `npm start` works)", () => {
    expect(loadConfig({}).auth).toMatchObject({ required: false, disabledBecause: expect.stringContaining("no API keys") });
  });

  it("is a configuration error to require auth without keys", () => {
    expect(() => loadConfig({ AUTH: "on" })).toThrow(ConfigError);
    expect(() => loadConfig({ AUTH: "on" })).toThrow(/AUTH: is on but no API keys are configured/);
  });

  it("refuses short keys without repeating them in the message", () => {
    let message = "";
    try {
      loadConfig({ API_KEYS: `${KEY_A},short-secret` });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/key #2 is shorter than 16 characters/);
    expect(message).not.toContain("short-secret");
    expect(message).not.toContain(KEY_A);
  });

  it("rejects AUTH values other than on and off", () => {
    expect(() => loadConfig({ AUTH: "yes" })).toThrow(/AUTH: must be on or off/);
  });
});

describe("with auth off", () => {
  it("AUTH=off lets requests in without a key even when keys are configured, and logs a loud warning", async () => {
    const lines: string[] = [];
    const calls: AskOptions[] = [];
    const app = serverWith({ AUTH: "off", API_KEYS: KEY_A }, calls, lines);
    try {
      await app.ready();
      const response = await ask(app);
      expect(response.statusCode).toBe(200);
      expect(calls[0]?.userId).toBeUndefined();
      const warnings = lines.map((line) => JSON.parse(line) as { level: number; msg: string }).filter((entry) => entry.level === 40);
      expect(warnings.map((w) => w.msg)).toContainEqual(expect.stringMatching(/^AUTHENTICATION IS OFF \(AUTH=off\)/));
      expect(lines.join("")).not.toContain(KEY_A);
    } finally {
      await app.close();
    }
  });

  it("without keys, the warning names the missing configuration", async () => {
    const lines: string[] = [];
    const app = serverWith({}, [], lines);
    try {
      await app.ready();
      expect((await ask(app)).statusCode).toBe(200);
      expect(lines.join("\n")).toMatch(/AUTHENTICATION IS OFF \(no API keys are configured \(API_KEYS, API_KEYS_FILE\)\)/);
    } finally {
      await app.close();
    }
  });
});
