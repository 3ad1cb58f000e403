import { createHash } from "node:crypto";
import { BenchmarkItemSchema, type BenchmarkItem } from "./benchmark-schema.js";
import { HarnessError } from "./errors.js";
import { formatIssue, parseJsonl, readTextFile, type LineIssue } from "./jsonl.js";

export interface Benchmark {
  path: string;
  sha256: string;
  items: BenchmarkItem[];
}

export type BenchmarkCheck =
  | { ok: true; benchmark: Benchmark }
  | { ok: false; issues: LineIssue[] };

/** Validates benchmark text: every bad line and every duplicate id is reported, not just the first. */
export function checkBenchmarkText(text: string, path: string): BenchmarkCheck {
  const { rows, issues } = parseJsonl(text, path, BenchmarkItemSchema);
  const firstLineOfId = new Map<string, number>();
  for (const row of rows) {
    const first = firstLineOfId.get(row.value.id);
    if (first === undefined) firstLineOfId.set(row.value.id, row.line);
    else issues.push({ file: path, line: row.line, reason: `duplicate id "${row.value.id}" (first on line ${first})` });
  }
  if (rows.length === 0 && issues.length === 0) {
    issues.push({ file: path, line: 1, reason: "benchmark has no items" });
  }
  if (issues.length > 0) {
    issues.sort((a, b) => a.line - b.line);
    return { ok: false, issues };
  }
  const sha256 = createHash("sha256").update(text).digest("hex");
  return { ok: true, benchmark: { path, sha256, items: rows.map((row) => row.value) } };
}

/** Loads a benchmark or refuses with every problem listed as `file:line: reason`. */
export async function loadBenchmark(path: string): Promise<Benchmark> {
  const text = await readTextFile(path, "benchmark");
  const check = checkBenchmarkText(text, path);
  if (!check.ok) {
    throw new HarnessError(
      `benchmark ${path} is invalid (${check.issues.length} problem(s)); the run will not start:\n` +
        check.issues.map(formatIssue).join("\n"),
    );
  }
  return check.benchmark;
}
