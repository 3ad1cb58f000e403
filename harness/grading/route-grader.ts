import { z } from "zod";
import { RouteSchema } from "../../src/contract.js";
import { defineGrader } from "./types.js";

export const RouteGradeSchema = z.object({
  /** Only the orchestrated pipeline routes; the baseline's route (null) is not graded. */
  applicable: z.boolean(),
  expected: RouteSchema,
  chosen: RouteSchema.nullable(),
  /** chosen === expected; null when not applicable. An errored orchestrated record counts as wrong. */
  correct: z.boolean().nullable(),
  /** The expected specialist ran at all (it may be the second of a low-confidence fan-out). */
  expectedRan: z.boolean().nullable(),
});
export type RouteGrade = z.infer<typeof RouteGradeSchema>;

export const routeGrader = defineGrader({
  name: "route",
  schema: RouteGradeSchema,
  grade({ record, item }): RouteGrade {
    if (record.pipeline !== "orchestrated") {
      return { applicable: false, expected: item.route, chosen: record.route, correct: null, expectedRan: null };
    }
    return {
      applicable: true,
      expected: item.route,
      chosen: record.route,
      correct: record.route === item.route,
      expectedRan: record.route === item.route || record.routesRun.includes(item.route),
    };
  },
});
