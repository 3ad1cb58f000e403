/**
 * The on-disk form of the route classifier, validated with zod on load so a hand-edited, truncated or
 * stale model file fails loudly with the reason instead of routing every question to one place.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { z } from "zod";
import { ROUTES, RouteSchema } from "../../../contract.js";
import { FEATURE_VERSION } from "./features.js";
import type { SoftmaxModel } from "./softmax-regression.js";

export const MODEL_FORMAT = "repo-qa/route-classifier";

const RouteCountsSchema = z.record(RouteSchema, z.number().int().nonnegative());

export const RouteModelFileSchema = z
  .object({
    format: z.literal(MODEL_FORMAT),
    featureVersion: z.literal(FEATURE_VERSION),
    algorithm: z.literal("softmax-regression"),
    /** Column order of `bias` and every weight row. */
    routes: z.array(RouteSchema).length(ROUTES.length),
    bias: z.array(z.number().finite()),
    weights: z.record(z.string(), z.array(z.number().finite())),
    training: z.object({
      trainedAt: z.string(),
      seed: z.number().int(),
      examples: z.number().int().nonnegative(),
      perRoute: RouteCountsSchema,
      fromRunLogs: z.number().int().nonnegative(),
      l2: z.number().nonnegative(),
      iterations: z.number().int().positive(),
      heldOutAccuracy: z.number().min(0).max(1).nullable(),
      /** Temperature folded into bias and weights (1 = none); see MIN_TEMPERATURE in trainer.ts. */
      temperature: z.number().positive().finite().default(1),
      /** Temperature that minimized out-of-fold log loss, before the lower bound on `temperature` was applied. */
      fittedTemperature: z.number().positive().finite().default(1),
      /** Folds the temperature was fitted on; 0 when the model was not calibrated. */
      calibrationFolds: z.number().int().nonnegative().default(0),
    }),
  })
  .superRefine((file, context) => {
    if (new Set(file.routes).size !== file.routes.length) {
      context.addIssue({ code: "custom", path: ["routes"], message: "routes must not repeat" });
    }
    if (file.bias.length !== file.routes.length) {
      context.addIssue({ code: "custom", path: ["bias"], message: `expected ${file.routes.length} biases, got ${file.bias.length}` });
    }
    for (const [name, row] of Object.entries(file.weights)) {
      if (row.length !== file.routes.length) {
        context.addIssue({ code: "custom", path: ["weights", name], message: `expected ${file.routes.length} weights, got ${row.length}` });
        return; // one example is enough; a wrong shape usually affects every row
      }
    }
  });
export type RouteModelFile = z.infer<typeof RouteModelFileSchema>;

export class RouteModelFileError extends Error {
  constructor(
    readonly modelPath: string,
    reason: string,
  ) {
    super(`route classifier model ${modelPath} is unusable: ${reason}`);
    this.name = "RouteModelFileError";
  }
}

export function readRouteModelFile(modelPath: string): RouteModelFile {
  let raw: string;
  try {
    raw = readFileSync(modelPath, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const hint = "run `npx tsx src/models/offline/train-router.ts` to train it";
    throw new RouteModelFileError(modelPath, code === "ENOENT" ? `file not found (${hint})` : `cannot read it (${String(error)})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (error) {
    throw new RouteModelFileError(modelPath, `not valid JSON (${(error as Error).message})`);
  }
  const parsed = RouteModelFileSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 5)
      .map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`)
      .join("; ");
    throw new RouteModelFileError(modelPath, `does not match the model schema (${issues})`);
  }
  return parsed.data;
}

export function writeRouteModelFile(modelPath: string, file: RouteModelFile): void {
  // One weight row per line keeps the file diffable while staying compact.
  const rows = Object.entries(file.weights).map(([name, row]) => `    ${JSON.stringify(name)}: ${JSON.stringify(row)}`);
  const { weights: _weights, ...header } = file;
  const headerJson = JSON.stringify(header, null, 2);
  const text = `${headerJson.slice(0, -2)},\n  "weights": {\n${rows.join(",\n")}\n  }\n}\n`;
  mkdirSync(dirname(modelPath), { recursive: true });
  writeFileSync(modelPath, text);
}

export function softmaxModelFromFile(file: RouteModelFile): SoftmaxModel {
  return { classCount: file.routes.length, bias: file.bias, weights: new Map(Object.entries(file.weights)) };
}
