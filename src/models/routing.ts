import { z } from "zod";
import { RouteSchema, ZERO_USAGE, type Route, type Usage } from "../contract.js";
import type { RouteClassifier } from "./offline/router/index.js";

/** What the router decided and why; recorded in the graph state and on the router observation. */
export const RouteDecisionSchema = z.object({
  route: RouteSchema,
  confidence: z.number().min(0).max(1),
  ranked: z.array(z.object({ route: RouteSchema, probability: z.number() })),
  reason: z.string(),
  source: z.enum(["classifier", "model", "classifier_fallback"]),
  usage: z.object({ inputTokens: z.number(), outputTokens: z.number(), costUsd: z.number() }),
  model: z.string().nullable(),
  /** Why the model router was not used, when the classifier stood in for it. */
  fallbackReason: z.string().optional(),
});
export type RouteDecision = z.infer<typeof RouteDecisionSchema>;

export interface Router {
  decide(question: string, options?: { signal?: AbortSignal; context?: string }): Promise<RouteDecision>;
}

const FEATURE_NAMES: Record<string, string> = {
  "q:": "question form",
  "w:": "word",
  "b:": "phrase",
  "trace:": "stack trace",
  "err:": "error pattern",
  "log:": "log line",
  "ext:": "file extension",
  "path:": "file path",
  "shape:": "text shape",
};

function describeFeature(feature: string): string {
  const prefix = Object.keys(FEATURE_NAMES).find((p) => feature.startsWith(p));
  return prefix ? `${FEATURE_NAMES[prefix]} "${feature.slice(prefix.length).replace(/_/g, " ")}"` : feature;
}

/** The local classifier as a router: fast (well under a millisecond), free, explainable. */
export class ClassifierRouter implements Router {
  constructor(private readonly classifier: RouteClassifier) {}

  classify(question: string, source: RouteDecision["source"] = "classifier"): RouteDecision {
    const scores = this.classifier.classify(question);
    const signals = this.classifier.explain(question, scores.route, 3).map((f) => describeFeature(f.feature));
    const reason = `classifier: ${scores.route} at ${scores.confidence.toFixed(2)}${signals.length ? ` (${signals.join(", ")})` : ""}`;
    return { route: scores.route, confidence: scores.confidence, ranked: scores.ranked, reason, source, usage: ZERO_USAGE as Usage, model: null };
  }

  async decide(question: string): Promise<RouteDecision> {
    return this.classify(question);
  }
}

/** The two routes to run when the router is unsure: the best two it ranked. */
export function fanOutRoutes(decision: RouteDecision, lowConfidence: number): Route[] {
  if (decision.confidence >= lowConfidence) return [decision.route];
  const second = decision.ranked.find((r) => r.route !== decision.route);
  return second ? [decision.route, second.route] : [decision.route];
}
