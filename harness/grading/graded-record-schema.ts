import { z } from "zod";
import { RunRecordSchema } from "../run-log-schema.js";
import { GradesSchema } from "./registry.js";
import { TraceLabelSchema } from "./trace-label.js";

/** Bumped when a grader's rule changes, so a graded log says which rules produced it. */
export const GRADING_VERSION = 1;

/** One line of a graded run log: the run record, every grader's output, and the trace label. */
export const GradedRecordSchema = RunRecordSchema.extend({
  grades: GradesSchema,
  label: TraceLabelSchema,
  labelReason: z.string(),
  /** Which answer verdict the label used. */
  verdictSource: z.enum(["rule", "judge"]),
  gradingVersion: z.number().int(),
  /** The expected route, copied from the benchmark so reports need no benchmark. */
  expectedRoute: z.enum(["code", "docs", "debug", "general"]),
  answerable: z.boolean(),
});
export type GradedRecord = z.infer<typeof GradedRecordSchema>;
