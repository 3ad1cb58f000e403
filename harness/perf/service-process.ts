import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, readFileSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { PROJECT_ROOT } from "../../src/config.js";

/**
 * The service as an operator runs it (`npm start`'s command line) in a child process, so a load
 * test measures the real server, its memory is its own, and the load generator is a separate process.
 */

/** Variables that would make the child differ from the offline, single-process service being measured. */
const INHERITED_BUT_UNWANTED = ["OPENAI_API_KEY", "OPENAI_BASE_URL", "DATABASE_URL", "REDIS_URL", "API_KEYS", "API_KEYS_FILE", "LANGFUSE_PUBLIC_KEY", "LANGFUSE_SECRET_KEY"];

const READY_TIMEOUT_MS = 180_000;
const READY_POLL_MS = 250;
const STOP_TIMEOUT_MS = 15_000;

export interface ServiceProcess {
  readonly pid: number;
  readonly url: string;
  /** Resident set size of the service process, in MiB. */
  rssMb(): number;
  /** CPU time the service process has used so far (user + system), in milliseconds. */
  cpuMs(): number;
  /** SIGTERM, then waits for the exit (SIGKILL after STOP_TIMEOUT_MS); resolves to the exit code. */
  stop(): Promise<number | null>;
}

/** A port nobody listens on right now (the kernel picks it; released before the service binds it). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address === "string") throw new Error("could not find a free port");
  return address.port;
}

/** VmRSS from /proc (Linux), in MiB. */
export function readRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status)?.[1];
  if (kib === undefined) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(kib) / 1024;
}

/** Clock ticks per second of /proc/<pid>/stat times: 100 on every Linux this runs on (USER_HZ). */
const USER_HZ = 100;

export function readCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name, which is in parentheses and may contain spaces.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const userTicks = Number(fields[11]);
  const systemTicks = Number(fields[12]);
  return ((userTicks + systemTicks) * 1000) / USER_HZ;
}

async function waitUntilReady(url: string, child: ChildProcess, logFile: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the service exited with ${child.exitCode} before it was ready; see ${logFile}`);
    try {
      const response = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await sleep(READY_POLL_MS);
  }
  throw new Error(`the service was not ready within ${READY_TIMEOUT_MS / 1000} s; see ${logFile}`);
}

export interface StartServiceOptions {
  /** Extra environment (STATE_DB_PATH, INDEX_CACHE_DIR, …) over the bench defaults. */
  env: Record<string, string>;
  /** Where the service's stdout and stderr go. */
  logFile: string;
  /** Extra node flags, e.g. --cpu-prof. */
  nodeFlags?: string[];
}

/** Starts `node --max-semi-space-size=64 --import tsx src/server/main.ts` and waits for /readyz. */
export async function startService({ env, logFile, nodeFlags = [] }: StartServiceOptions): Promise<ServiceProcess> {
  const port = await freePort();
  const childEnv: NodeJS.ProcessEnv = { ...process.env };
  for (const name of INHERITED_BUT_UNWANTED) delete childEnv[name];
  Object.assign(childEnv, { HOST: "127.0.0.1", PORT: String(port), AUTH: "off", RATE_LIMIT_MAX: "0", LOG_LEVEL: "warn", ...env });

  const log = createWriteStream(logFile);
  const child = spawn(process.execPath, [...nodeFlags, "--max-semi-space-size=64", "--import", "tsx", path.join("src", "server", "main.ts")], {
    cwd: PROJECT_ROOT,
    env: childEnv,
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const pid = child.pid;
  if (pid === undefined) throw new Error("the service process did not start");

  try {
    await waitUntilReady(url, child, logFile);
  } catch (error) {
    child.kill("SIGKILL");
    await exited;
    throw error;
  }

  return {
    pid,
    url,
    rssMb: () => readRssMb(pid),
    cpuMs: () => readCpuMs(pid),
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
      const code = await exited;
      clearTimeout(timer);
      log.end();
      return code;
    },
  };
}
