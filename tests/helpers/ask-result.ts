import type { AskResult } from "../../src/contract.js";

/** A valid AskResult for tests whose pipelines are stand-ins: a routed, answered, offline question. */
export function askResult(overrides: Partial<AskResult> = {}): AskResult {
  return {
    answer: "It is in src/a.ts:1-2.",
    route: "code",
    routeConfidence: 0.9,
    routerSource: "classifier",
    routesRun: ["code"],
    citations: [],
    evidence: [],
    toolsCalled: [],
    usage: { inputTokens: 0, outputTokens: 0, costUsd: 0 },
    latencyMs: 1,
    pipeline: "orchestrated",
    provider: "offline",
    traceId: null,
    notFound: false,
    warnings: [],
    ...overrides,
  };
}
