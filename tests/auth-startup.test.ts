import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../src/config.js";

/** Auth as `npm start` runs it: the entry point in a child process, over real HTTP. */

const KEY = "startup-key-0123456789abcdefghij";

interface Started {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
  /** The base URL once the server logs that it listens. */
  listening: Promise<string>;
}

let cacheDirectory: string;
beforeAll(async () => {
  cacheDirectory = await mkdtemp(path.join(tmpdir(), "auth-startup-"));
});
afterAll(() => rm(cacheDirectory, { recursive: true, force: true }));

function start(env: Record<string, string>): Started {
  const child = spawn(process.execPath, ["--import", "tsx", "src/server/main.ts"], {
    cwd: PROJECT_ROOT,
    env: { PATH: process.env.PATH ?? "", PORT: "0", HOST: "127.0.0.1", INDEX_CACHE_DIR: cacheDirectory, STATE_DB_PATH: ":memory:", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  // "close", not "exit": it comes after the last output has been read.
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  const listening = new Promise<string>((resolve, reject) => {
    child.stdout!.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8");
      const match = /Listening on (http:\/\/127\.0\.0\.1:\d+) \(/.exec(stdout);
      if (match) resolve(match[1]!);
    });
    void exited.then((code) => reject(new Error(`server exited (${code}) before listening:\n${stdout}\n${stderr}`)));
  });
  listening.catch(() => {});
  child.stderr!.on("data", (chunk: Buffer) => void (stderr += chunk.toString("utf8")));
  return { child, stdout: () => stdout, stderr: () => stderr, exited, listening };
}

/** Waits until `text` has been written to stderr; stderr and stdout are separate pipes, so their order is not kept. */
async function stderrContains(server: Started, text: string): Promise<string> {
  while (!server.stderr().includes(text)) await new Promise((resolve) => setTimeout(resolve, 20));
  return server.stderr();
}

async function stop(server: Started): Promise<void> {
  server.child.kill("SIGTERM");
  await server.exited;
}

describe("npm start and authentication", () => {
  it("starts without configuration, warning loudly on stderr and in the log that auth is off", async () => {
    const server = start({});
    try {
      const baseUrl = await server.listening;
      expect(await stderrContains(server, "*** WARNING:")).toContain("*** WARNING: AUTHENTICATION IS OFF (no API keys are configured (API_KEYS, API_KEYS_FILE))");
      const logLine = server
        .stdout()
        .split("\n")
        .filter((line) => line.startsWith("{") && line.endsWith("}"))
        .map((line) => JSON.parse(line) as { level: number; msg: string })
        .find((entry) => entry.msg.startsWith("AUTHENTICATION IS OFF"));
      expect(logLine?.level).toBe(40);
      // Open: a question without a key is not refused (503 while indexing, 200 after).
      const response = await fetch(`${baseUrl}/ask`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ question: "hi" }) });
      expect([200, 503]).toContain(response.status);
    } finally {
      await stop(server);
    }
  });

  it("with API_KEYS, does not warn, refuses /ask without a key and answers with one", async () => {
    const server = start({ API_KEYS: KEY });
    try {
      const baseUrl = await server.listening;
      expect(server.stderr() + server.stdout()).not.toContain("AUTHENTICATION IS OFF");
      expect((await fetch(`${baseUrl}/healthz`)).status).toBe(200);
      const refused = await fetch(`${baseUrl}/ask`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ question: "hi" }) });
      expect(refused.status).toBe(401);
      expect(refused.headers.get("www-authenticate")).toBe('Bearer realm="repo-qa"');
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("UNAUTHORIZED");

      while ((await fetch(`${baseUrl}/readyz`)).status !== 200) await new Promise((resolve) => setTimeout(resolve, 50));
      const answered = await fetch(`${baseUrl}/ask`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${KEY}` },
        body: JSON.stringify({ question: "Which third-party Python packages does the worker depend on?" }),
      });
      expect(answered.status).toBe(200);
      expect(server.stdout() + server.stderr()).not.toContain(KEY);
    } finally {
      await stop(server);
    }
  });

  it("exits 1 with a clear message when AUTH=on but no keys are configured", async () => {
    const server = start({ AUTH: "on" });
    expect(await server.exited).toBe(1);
    expect(server.stderr()).toContain("AUTH: is on but no API keys are configured; set API_KEYS or API_KEYS_FILE");
    expect(server.stderr()).not.toMatch(/\n\s+at /);
  });
});
