/**
 * Reading labelled routing examples: the hand-written dataset and harness run logs (whose model-router
 * decisions are distilled into the classifier). Every line is validated with zod; problems are
 * collected as `file:line: reason` so one run reports all of them.
 */
import { readFileSync } from "node:fs";
import { z } from "zod";
import { type Route, RouteSchema } from "../../../contract.js";

export const RoutingExampleSchema = z.object({
  text: z.string().trim().min(1, "text must not be empty"),
  route: RouteSchema,
  domain: z.string().optional(),
  notes: z.string().optional(),
  /** Who wrote the question: held-out accuracy by author measures how the router fares on a new writer's phrasing. */
  author: z.string().trim().min(1).optional(),
});
export type RoutingExample = z.infer<typeof RoutingExampleSchema>;

/** Only the run-log fields distillation needs; other fields of a run record are ignored. */
export const RunLogRoutingLineSchema = z.object({
  question: z.string(),
  route: RouteSchema.nullable(),
  routerSource: z.enum(["classifier", "model", "classifier_fallback"]).nullable().default(null),
});

export interface LabelledText {
  text: string;
  route: Route;
  source: "dataset" | "runlog";
  author?: string;
}

export interface LineProblem {
  file: string;
  line: number;
  reason: string;
}

export function formatProblem(problem: LineProblem): string {
  return `${problem.file}:${problem.line}: ${problem.reason}`;
}

function describeZodError(error: z.ZodError): string {
  return error.issues.map((issue) => (issue.path.length > 0 ? `${issue.path.join(".")}: ${issue.message}` : issue.message)).join("; ");
}

/** Parses a JSONL file line by line; blank lines are allowed, everything else must validate. */
function parseJsonLines<T>(file: string, schema: z.ZodType<T>): { rows: Array<{ line: number; value: T }>; problems: LineProblem[] } {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    return { rows: [], problems: [{ file, line: 0, reason: `cannot read file (${(error as Error).message})` }] };
  }
  const rows: Array<{ line: number; value: T }> = [];
  const problems: LineProblem[] = [];
  text.split(/\r?\n/).forEach((content, index) => {
    const line = index + 1;
    if (content.trim() === "") return;
    let json: unknown;
    try {
      json = JSON.parse(content);
    } catch (error) {
      problems.push({ file, line, reason: `invalid JSON (${(error as Error).message})` });
      return;
    }
    const parsed = schema.safeParse(json);
    if (parsed.success) rows.push({ line, value: parsed.data });
    else problems.push({ file, line, reason: describeZodError(parsed.error) });
  });
  return { rows, problems };
}

export function readRoutingDataset(file: string): { examples: LabelledText[]; problems: LineProblem[] } {
  const { rows, problems } = parseJsonLines(file, RoutingExampleSchema);
  return {
    examples: rows.map(({ value }) => ({ text: value.text, route: value.route, source: "dataset", ...(value.author ? { author: value.author } : {}) })),
    problems,
  };
}

export interface RunLogReadResult {
  examples: LabelledText[];
  problems: LineProblem[];
  /** Valid lines read. */
  lines: number;
  /** Lines whose route came from the model router and were kept. */
  used: number;
  /** Lines skipped because the route came from the classifier, a fallback, or nowhere. */
  skippedNotModel: number;
  /** Model-routed lines skipped because the route was null. */
  skippedNoRoute: number;
}

/**
 * Only `routerSource === "model"` lines become training examples: classifier decisions would just teach
 * the classifier its own mistakes, and fallbacks happened because the model did not decide.
 */
export function readRunLog(file: string): RunLogReadResult {
  const { rows, problems } = parseJsonLines(file, RunLogRoutingLineSchema);
  const examples: LabelledText[] = [];
  let skippedNotModel = 0;
  let skippedNoRoute = 0;
  for (const { value } of rows) {
    if (value.routerSource !== "model") skippedNotModel += 1;
    else if (value.route === null) skippedNoRoute += 1;
    else if (value.question.trim() !== "") examples.push({ text: value.question, route: value.route, source: "runlog" });
    else skippedNoRoute += 1;
  }
  return { examples, problems, lines: rows.length, used: examples.length, skippedNotModel, skippedNoRoute };
}

function normalizeForDedup(text: string): string {
  return text.trim().replace(/\s+/g, " ").toLowerCase();
}

export interface MergeResult {
  examples: LabelledText[];
  /** Run-log questions dropped because the dataset already labels the same text. */
  duplicatesOfDataset: number;
  /** Extra repeats of the same run-log question collapsed into one example (majority label). */
  collapsedRepeats: number;
}

/**
 * Merges dataset and run-log examples. Hand labels win over distilled ones; a question repeated across
 * runs becomes one example labelled by majority vote (first-seen label breaks ties), so repeats do not
 * overweight the questions a benchmark happens to run many times.
 */
export function mergeExamples(dataset: readonly LabelledText[], runLog: readonly LabelledText[]): MergeResult {
  const datasetKeys = new Set(dataset.map((example) => normalizeForDedup(example.text)));
  const votes = new Map<string, { text: string; counts: Map<Route, number>; order: Route[] }>();
  let duplicatesOfDataset = 0;
  let collapsedRepeats = 0;
  for (const example of runLog) {
    const key = normalizeForDedup(example.text);
    if (datasetKeys.has(key)) {
      duplicatesOfDataset += 1;
      continue;
    }
    let entry = votes.get(key);
    if (entry === undefined) {
      entry = { text: example.text, counts: new Map(), order: [] };
      votes.set(key, entry);
    } else {
      collapsedRepeats += 1;
    }
    if (!entry.counts.has(example.route)) entry.order.push(example.route);
    entry.counts.set(example.route, (entry.counts.get(example.route) ?? 0) + 1);
  }
  const distilled: LabelledText[] = [];
  for (const entry of votes.values()) {
    let best = entry.order[0]!;
    for (const route of entry.order) if (entry.counts.get(route)! > entry.counts.get(best)!) best = route;
    distilled.push({ text: entry.text, route: best, source: "runlog" });
  }
  return { examples: [...dataset, ...distilled], duplicatesOfDataset, collapsedRepeats };
}
