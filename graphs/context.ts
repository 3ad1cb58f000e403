import type { Callbacks } from "@langchain/core/callbacks/manager";
import type { RepositoryIndex } from "../src/index/repository-index.js";
import type { ModelCallCache } from "../src/models/model-call-cache.js";
import type { ModelProvider } from "../src/models/provider.js";
import type { Router } from "../src/models/routing.js";
import type { AgentDefinition } from "../specialists/types.js";
import type { Route } from "../src/contract.js";

/** What the graphs are built from; created once per process (see src/app.ts). */
export interface GraphDependencies {
  index: RepositoryIndex;
  models: ModelProvider;
  router: Router;
  specialists: Readonly<Record<Route, AgentDefinition>>;
  baselineAgent: AgentDefinition;
  /** Below this router confidence the question goes to the two best routes. */
  lowConfidence: number;
  /** Offline answers below this question coverage say "not found". */
  minCoverage: number;
  specialistTimeoutMs: number;
  specialistMaxAttempts: number;
  /** Upper bound on any agent's tool-calling steps. */
  specialistMaxSteps?: number;
  /** Creates the LangChain callbacks that turn model calls into generation observations. */
  modelCallbacks?: () => Callbacks | undefined;
  modelCache?: ModelCallCache;
}

/** Per-request data the nodes read from the LangGraph runtime context. */
export interface RunContext {
  /** Errors of failed node attempts, so a later attempt or the fallback can report them. */
  attemptErrors: Array<{ node: string; attempt: number; error: string }>;
  repeat: number;
}

export function newRunContext(repeat = 0): RunContext {
  return { attemptErrors: [], repeat };
}

/** The run context of a node's runtime (or config); undefined when a graph is invoked without one. */
export function runContextOf(runtime: { context?: unknown } | undefined): RunContext | undefined {
  return runtime?.context as RunContext | undefined;
}
