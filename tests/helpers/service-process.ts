import { spawn, type ChildProcess } from "node:child_process";
import { PROJECT_ROOT } from "../../src/config.js";
import { eventually } from "./streaming.js";

/** The service as `npm start` runs it, in a child process of its own. */
export interface ServiceProcess {
  child: ChildProcess;
  url: string;
  exited: Promise<number | null>;
  output: () => string;
}

/**
 * Starts `src/server/main.ts` on a free port with exactly `env` (plus PATH), and waits until it
 * answers `/readyz`. Callers kill what they start (`child.kill`), also when a test fails.
 */
export async function startServiceProcess(env: Record<string, string>): Promise<ServiceProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", "src/server/main.ts"], {
    cwd: PROJECT_ROOT,
    env: { PATH: process.env.PATH ?? "", HOST: "127.0.0.1", PORT: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const url = await eventually(() => /Listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1], "the service to listen", 60_000).catch((error: Error) => {
    child.kill("SIGKILL");
    throw new Error(`${error.message}; its output:\n${output.slice(-4000)}`);
  });
  const headers = env["API_KEYS"] ? { authorization: `Bearer ${env["API_KEYS"].split(",")[0]}` } : undefined;
  await eventually(async () => ((await fetch(`${url}/readyz`, { headers })).status === 200 ? true : undefined), "the service to be ready", 60_000);
  return { child, url, exited, output: () => output };
}
