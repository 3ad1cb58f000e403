import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../src/config.js";
import type { AskResult } from "../src/contract.js";

/** The entry point as `npm start` runs it, in a child process. */
interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  /** Resolves with the first log line matching `pattern` (rejects if the process exits first). */
  waitForLine(pattern: RegExp): Promise<string>;
}

let cacheDirectory: string;
beforeAll(async () => {
  cacheDirectory = await mkdtemp(path.join(tmpdir(), "server-main-index-"));
});
afterAll(() => rm(cacheDirectory, { recursive: true, force: true }));

function startServer(env: Record<string, string>): Started {
  const child = spawn(process.execPath, ["--import", "tsx", "src/server/main.ts"], {
    cwd: PROJECT_ROOT,
    env: { PATH: process.env.PATH ?? "", PORT: "0", HOST: "127.0.0.1", INDEX_CACHE_DIR: cacheDirectory, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const waiters: Array<{ pattern: RegExp; resolve: (line: string) => void }> = [];
  const onData = (chunk: Buffer) => {
    output += chunk.toString("utf8");
    for (const waiter of [...waiters]) {
      const line = output.split("\n").find((candidate) => waiter.pattern.test(candidate));
      if (line) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
    }
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return {
    child,
    output: () => output,
    exited,
    waitForLine: (pattern) =>
      new Promise((resolve, reject) => {
        waiters.push({ pattern, resolve });
        onData(Buffer.alloc(0));
        void exited.then((code) => reject(new Error(`server exited (${code}) before logging ${pattern}:\n${output}`)));
      }),
  };
}

async function waitUntilReady(baseUrl: string): Promise<void> {
  for (;;) {
    const response = await fetch(`${baseUrl}/readyz`);
    if (response.status === 200) return;
    expect(response.status).toBe(503);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("src/server/main.ts", () => {
  it("listens, builds the index in the background, answers, and exits 0 on SIGTERM", async () => {
    const server = startServer({});
    try {
      const listening = await server.waitForLine(/Listening on http:\/\/127\.0\.0\.1:\d+/);
      const baseUrl = /(http:\/\/127\.0\.0\.1:\d+)/.exec(listening)![1]!;
      expect((await fetch(`${baseUrl}/healthz`)).status).toBe(200);
      await waitUntilReady(baseUrl);

      const response = await fetch(`${baseUrl}/ask`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ question: "Which third-party Python packages does the worker depend on?" }),
      });
      expect(response.status).toBe(200);
      expect(((await response.json()) as AskResult).route).toBe("general");

      server.child.kill("SIGTERM");
      expect(await server.exited).toBe(0);
      expect(server.output()).toContain("shutting down");
      expect(server.output()).toContain("server closed");
    } finally {
      server.child.kill("SIGKILL");
    }
  });

  it("exits non-zero with a clear log line when the repository does not exist", async () => {
    const server = startServer({ REPO_PATH: "/no/such/repository" });
    try {
      expect(await server.exited).not.toBe(0);
      expect(server.output()).toMatch(/start-up failed, exiting: repository path \/no\/such\/repository does not exist/);
    } finally {
      server.child.kill("SIGKILL");
    }
  });

  it("exits 1 with the configuration problem, without a stack trace, on invalid configuration", async () => {
    const server = startServer({ PORT: "not-a-port" });
    expect(await server.exited).toBe(1);
    expect(server.output()).toContain("Invalid configuration");
    expect(server.output()).toContain("PORT");
    expect(server.output()).not.toMatch(/\n\s+at /);
  });
});
