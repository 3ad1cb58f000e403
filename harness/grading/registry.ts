import { z } from "zod";
import { answerGrader } from "./answer-grader.js";
import { groundingGrader } from "./grounding-grader.js";
import { judgeGrader } from "./judge-grader.js";
import { retrievalGrader } from "./retrieval-grader.js";
import { routeGrader } from "./route-grader.js";
import { toolGrader } from "./tool-grader.js";

/** Every grader the `grade` command runs. Adding one: a new file, then one line here. */
export const GRADERS = [answerGrader, retrievalGrader, toolGrader, routeGrader, groundingGrader, judgeGrader] as const;

type Registered = (typeof GRADERS)[number];
export type Grades = { [G in Registered as G["name"]]: Awaited<ReturnType<G["grade"]>> };

/** The `grades` object of a graded record, built from the registry so it cannot drift from it. */
export const GradesSchema = z.object(
  Object.fromEntries(GRADERS.map((grader) => [grader.name, grader.schema])) as Record<string, z.ZodType>,
) as unknown as z.ZodType<Grades>;
