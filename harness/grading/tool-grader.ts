import { z } from "zod";
import { stableStringify } from "../../src/models/model-call-cache.js";
import type { RunRecord } from "../run-log-schema.js";
import { EXPECTED_TOOLS_BY_ROUTE } from "./expected-tools.js";
import { saysNotFound } from "./not-found.js";
import { matchesAnyExpected, normalizePath, pathRefersTo } from "./paths.js";
import { defineGrader } from "./types.js";

export const NeedlessReasonSchema = z.enum(["duplicate", "empty_unused", "no_contribution"]);
export type NeedlessReason = z.infer<typeof NeedlessReasonSchema>;

export const ToolGradeSchema = z.object({
  /** Tools expected for the benchmark's route; null for `general` (any tool is on-route). */
  expectedTools: z.array(z.string()).nullable(),
  used: z.array(z.string()),
  calls: z.number().int().nonnegative(),
  /** Calls to tools outside the expected set (reported, not counted as needless). */
  offRouteCalls: z.number().int().nonnegative(),
  /** At least one expected tool was used; null for `general`. */
  usedExpectedTool: z.boolean().nullable(),
  needless: z.array(z.object({ index: z.number().int(), name: z.string(), reason: NeedlessReasonSchema })),
  needlessCount: z.number().int().nonnegative(),
  /**
   * How call results were tied to paths: `sequential` when the evidence list is exactly the calls'
   * results in order (Σ resultCount = evidence.length); otherwise `by_args` (a call's paths are its
   * path-like arguments; calls without one are not judged for contribution).
   */
  attribution: z.enum(["sequential", "by_args"]),
});
export type ToolGrade = z.infer<typeof ToolGradeSchema>;

type Call = RunRecord["toolsCalled"][number];

const isEmpty = (call: Call) => call.error !== undefined || call.resultCount === 0;

/**
 * Path arguments of a call: string values under keys naming a path ("path", "file", "filePath",
 * "dir", ...). Query strings are deliberately ignored: "config.timeout" is a search, not a file.
 */
function pathArguments(call: Call): string[] {
  const values: string[] = [];
  for (const [key, value] of Object.entries(call.args)) {
    if (!/path|file|dir/i.test(key)) continue;
    for (const candidate of Array.isArray(value) ? value : [value]) {
      if (typeof candidate === "string" && candidate.trim() !== "") values.push(normalizePath(candidate));
    }
  }
  return values;
}

/** Paths each call produced, or null when that cannot be known from the record. */
function attributeResults(record: RunRecord): { attribution: ToolGrade["attribution"]; paths: Array<string[] | null> } {
  const calls = record.toolsCalled;
  const counts = calls.map((call) => (call.error !== undefined ? 0 : call.resultCount));
  const allKnown = counts.every((count) => count !== undefined);
  const total = counts.reduce<number>((sum, count) => sum + (count ?? 0), 0);
  if (calls.length > 0 && allKnown && total === record.evidence.length) {
    let offset = 0;
    const paths = counts.map((count) => {
      const slice = record.evidence.slice(offset, offset + (count as number)).map((item) => normalizePath(item.path));
      offset += count as number;
      return slice;
    });
    return { attribution: "sequential", paths };
  }
  return {
    attribution: "by_args",
    paths: calls.map((call) => {
      const args = pathArguments(call);
      return args.length > 0 ? args : null;
    }),
  };
}

/**
 * The needless-call rule, applied identically to both pipelines (first matching reason wins):
 *  1. duplicate       — an earlier call had the same name and the same arguments (key-order-insensitive).
 *  2. empty_unused    — it returned nothing (resultCount 0 or an error), the answer is not a "not found"
 *                       answer (for which empty searches are the evidence of absence), and the next call
 *                       is not a reformulation (same tool, different arguments).
 *  3. no_contribution — it returned results, its result paths are known, none of them is cited by the
 *                       answer or is an expected file, and the answer is not a "not found" answer.
 *                       Calls whose result paths cannot be known are never flagged by this rule.
 */
export function needlessCalls(record: RunRecord, expectedFiles: readonly string[]): ToolGrade["needless"] {
  const calls = record.toolsCalled;
  const notFoundAnswer = saysNotFound(record.answer);
  const { paths } = attributeResults(record);
  const seen = new Set<string>();
  const needless: ToolGrade["needless"] = [];
  calls.forEach((call, index) => {
    const signature = `${call.name}\u0000${stableStringify(call.args)}`;
    const duplicate = seen.has(signature);
    seen.add(signature);
    if (duplicate) return needless.push({ index, name: call.name, reason: "duplicate" });
    if (isEmpty(call)) {
      const next = calls[index + 1];
      const reformulated = next !== undefined && next.name === call.name && stableStringify(next.args) !== stableStringify(call.args);
      if (!notFoundAnswer && !reformulated) needless.push({ index, name: call.name, reason: "empty_unused" });
      return;
    }
    const produced = paths[index];
    if (produced === null || produced === undefined || notFoundAnswer) return;
    const contributed = produced.some(
      (path) => matchesAnyExpected(path, expectedFiles) || record.citations.some((citation) => pathRefersTo(citation.path, path) || pathRefersTo(path, citation.path)),
    );
    if (!contributed) needless.push({ index, name: call.name, reason: "no_contribution" });
  });
  return needless;
}

export const toolGrader = defineGrader({
  name: "tools",
  schema: ToolGradeSchema,
  grade({ record, item }): ToolGrade {
    const expected = EXPECTED_TOOLS_BY_ROUTE[item.route];
    const used = [...new Set(record.toolsCalled.map((call) => call.name))];
    const needless = needlessCalls(record, item.expected_files);
    return {
      expectedTools: expected === "any" ? null : [...expected],
      used,
      calls: record.toolsCalled.length,
      offRouteCalls: expected === "any" ? 0 : record.toolsCalled.filter((call) => !expected.includes(call.name)).length,
      usedExpectedTool: expected === "any" ? null : used.some((name) => expected.includes(name)),
      needless,
      needlessCount: needless.length,
      attribution: attributeResults(record).attribution,
    };
  },
});
