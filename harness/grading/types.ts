import type { z } from "zod";
import type { BenchmarkItem } from "../benchmark-schema.js";
import type { RunRecord } from "../run-log-schema.js";
import type { Judge } from "./judge.js";

export interface GradeContext {
  record: RunRecord;
  item: BenchmarkItem;
  /** Present only when an LLM judge is configured (`grade --judge`). */
  judge?: Judge;
}

/**
 * One grader = one file exporting `defineGrader({ name, schema, grade })`, plus one line in
 * registry.ts (promptfoo's pattern). `schema` validates the grade when a graded log is read back,
 * so reports never trust raw JSON. defineGrader checks that `grade` returns what `schema`
 * describes and keeps the concrete (sync or async) signature, so callers get the precise type.
 */
export function defineGrader<const Name extends string, Output, Grade extends (context: GradeContext) => Output | Promise<Output>>(grader: {
  name: Name;
  schema: z.ZodType<Output>;
  grade: Grade;
}): { readonly name: Name; readonly schema: z.ZodType<Output>; grade: Grade } {
  return grader;
}
