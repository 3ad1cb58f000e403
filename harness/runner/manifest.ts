import { execFile } from "node:child_process";
import { readFile, rename, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { HarnessError } from "../errors.js";
import { describeZodError } from "../jsonl.js";
import { MANIFEST_FILE, RunManifestSchema, type RunManifest } from "../run-log-schema.js";

const execFileAsync = promisify(execFile);

/** The project checkout this harness file lives in, whatever the caller's working directory. */
const PROJECT_DIR = dirname(dirname(dirname(fileURLToPath(import.meta.url))));

/** The commit the harness ran from, or null outside a git checkout (the manifest says so honestly). */
export async function currentGitCommit(cwd: string = PROJECT_DIR): Promise<string | null> {
  try {
    const { stdout } = await execFileAsync("git", ["rev-parse", "HEAD"], { cwd, timeout: 5_000 });
    const commit = stdout.trim();
    return /^[0-9a-f]{7,64}$/.test(commit) ? commit : null;
  } catch {
    return null;
  }
}

/** True when tracked files differ from the commit (the run may not be reproducible from it); null when unknown. */
export async function gitWorkTreeDirty(cwd: string = PROJECT_DIR): Promise<boolean | null> {
  try {
    const { stdout } = await execFileAsync("git", ["status", "--porcelain", "--untracked-files=no"], { cwd, timeout: 5_000 });
    return stdout.trim() !== "";
  } catch {
    return null;
  }
}

export function manifestPathFor(runLogPath: string): string {
  return join(dirname(runLogPath), MANIFEST_FILE);
}

export async function writeManifest(path: string, manifest: RunManifest): Promise<void> {
  const temporary = `${path}.tmp`;
  await writeFile(temporary, JSON.stringify(manifest, null, 2) + "\n");
  await rename(temporary, path);
}

/** Reads a manifest; `undefined` when there is none, a clear error when it is malformed. */
export async function readManifest(path: string): Promise<RunManifest | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch {
    return undefined;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new HarnessError(`run manifest ${path} is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = RunManifestSchema.safeParse(json);
  if (!parsed.success) throw new HarnessError(`run manifest ${path} is invalid: ${describeZodError(parsed.error)}`);
  return parsed.data;
}
