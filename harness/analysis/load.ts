import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { loadBenchmark, type Benchmark } from "../benchmark.js";
import { HarnessError } from "../errors.js";
import { GradedRecordSchema, type GradedRecord } from "../grading/graded-record-schema.js";
import { gradeRecords, type GradeOptions } from "../grading/grade-records.js";
import { formatIssue, parseJsonl, readTextFile, toJsonl } from "../jsonl.js";
import { readManifest } from "../runner/manifest.js";
import { MANIFEST_FILE, RunRecordSchema, type RunManifest, type RunRecord } from "../run-log-schema.js";

export interface LoadedRun {
  path: string;
  records: GradedRecord[];
  manifest: RunManifest | undefined;
  benchmark: Benchmark | undefined;
  /** True when the input was a raw run log that this call graded. */
  gradedNow: boolean;
}

/** Strict parse that forgives only a torn last line, which an interrupted run may leave behind. */
async function readLog<S extends typeof RunRecordSchema | typeof GradedRecordSchema>(path: string, schema: S, what: string, notify: (m: string) => void) {
  const text = await readTextFile(path, what);
  const { rows, issues, truncatedTail } = parseJsonl(text, path, schema);
  const lastLine = text.split(/\r?\n/).filter((line) => line.trim() !== "").length;
  const fatal = issues.filter((issue) => !(truncatedTail && issue.line === lastLine));
  if (fatal.length > 0) throw new HarnessError(`${what} ${path} has ${fatal.length} invalid line(s):\n${fatal.map(formatIssue).join("\n")}`);
  if (truncatedTail) notify(`ignoring the torn last line of ${path} (interrupted write); that record counts as missing`);
  if (rows.length === 0) throw new HarnessError(`${what} ${path} holds no records`);
  return rows.map((row) => row.value);
}

function looksGraded(text: string): boolean {
  const first = text.split(/\r?\n/).find((line) => line.trim() !== "");
  if (!first) return false;
  try {
    const json = JSON.parse(first) as Record<string, unknown>;
    return typeof json === "object" && json !== null && "grades" in json && "label" in json;
  } catch {
    return false;
  }
}

export async function loadRunRecords(path: string, notify: (m: string) => void = () => {}): Promise<RunRecord[]> {
  return readLog(path, RunRecordSchema, "run log", notify) as Promise<RunRecord[]>;
}

/**
 * Loads a graded log as is, or grades a raw run log first. The benchmark is `benchPath` when given,
 * otherwise the one the manifest next to the log names. It is needed to grade and to find missing records.
 */
export async function loadGradedRun(
  path: string,
  options: { benchPath?: string; grade?: GradeOptions; notify?: (m: string) => void } = {},
): Promise<LoadedRun> {
  const notify = options.notify ?? (() => {});
  const text = await readTextFile(path, "run log");
  const manifest = await readManifest(join(dirname(path), MANIFEST_FILE));
  const benchPath = options.benchPath ?? manifest?.benchmark.path;
  const benchmark = benchPath ? await loadBenchmark(benchPath) : undefined;
  if (benchmark && manifest && options.benchPath === undefined && benchmark.sha256 !== manifest.benchmark.sha256) {
    notify(`warning: ${benchmark.path} changed since the run (sha256 differs from the manifest)`);
  }
  if (looksGraded(text)) {
    const records = (await readLog(path, GradedRecordSchema, "graded run log", notify)) as GradedRecord[];
    return { path, records, manifest, benchmark, gradedNow: false };
  }
  if (!benchmark) {
    throw new HarnessError(`${path} is not graded and no benchmark is known: pass --bench FILE (no ${MANIFEST_FILE} next to it names one)`);
  }
  const raw = await loadRunRecords(path, notify);
  const records = await gradeRecords(raw, benchmark.items, options.grade);
  return { path, records, manifest, benchmark, gradedNow: true };
}

export async function writeGradedLog(path: string, records: readonly GradedRecord[]): Promise<void> {
  await mkdir(dirname(resolve(path)), { recursive: true });
  await writeFile(path, toJsonl(records));
}
