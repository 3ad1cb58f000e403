import { addUsage, ZERO_USAGE, type AskOptions, type AskResult, type Pipeline, type PipelineName } from "../src/contract.js";
import { AppError, isAppError } from "../src/errors.js";
import { withRequestTrace } from "../src/tracing/request-trace.js";
import { dedupeEvidence } from "../specialists/shared/evidence-ranking.js";
import type { Turn } from "../specialists/types.js";
import { buildBaselineGraph } from "./baseline.js";
import { newRunContext, type GraphDependencies } from "./context.js";
import { buildOrchestratedGraph } from "./orchestrated.js";
import type { AskStateValue } from "./state.js";

/** Most supersteps a question may take: router, fan-out, fallback, synthesis, with room to spare. */
const RECURSION_LIMIT = 12;

export interface PipelineRunOptions extends AskOptions {
  /** Earlier turns of the thread, oldest first (thread memory supplies them). */
  history?: Turn[];
}

export interface GraphPipeline extends Pipeline {
  run(question: string, options?: PipelineRunOptions): Promise<AskResult>;
}

interface CompiledAskGraph {
  invoke(input: { question: string; threadId: string; history: Turn[] }, config: Record<string, unknown>): Promise<AskStateValue>;
}

function toAskResult(name: PipelineName, deps: GraphDependencies, state: AskStateValue, latencyMs: number, traceId: string | null): AskResult {
  const usage = state.usage.reduce((sum, u) => addUsage(sum, u), ZERO_USAGE);
  return {
    answer: state.finalAnswer,
    route: name === "orchestrated" ? state.route : null,
    routeConfidence: name === "orchestrated" ? state.routeConfidence : null,
    routerSource: name === "orchestrated" ? state.routerSource : null,
    routesRun: state.specialistOutputs.flatMap((o) => (o.route ? [o.route] : [])),
    citations: state.citations,
    evidence: dedupeEvidence(state.evidence),
    toolsCalled: state.toolsCalled,
    usage,
    latencyMs: Math.round(latencyMs * 100) / 100,
    pipeline: name,
    provider: deps.models.kind,
    traceId,
    notFound: state.notFound,
    warnings: state.warnings,
  };
}

const VALID_TRACE_ID = /^(?!0+$)[0-9a-f]{32}$/;

function graphPipeline(name: PipelineName, graph: CompiledAskGraph, deps: GraphDependencies, traceMetadata: Record<string, string>): GraphPipeline {
  return {
    name,
    async run(question, options = {}) {
      const started = performance.now();
      const tags = [`pipeline:${name}`, `provider:${deps.models.kind}`];
      return withRequestTrace(
        {
          name,
          question,
          ...(options.threadId ? { sessionId: options.threadId } : {}),
          ...(options.userId ? { userId: options.userId } : {}),
          tags,
          metadata: { ...traceMetadata, ...(options.harnessRunId ? { harnessRunId: options.harnessRunId } : {}) },
        },
        async (root) => {
          let state: AskStateValue;
          try {
            state = await graph.invoke(
              { question, threadId: options.threadId ?? "", history: options.history ?? [] },
              { context: newRunContext(options.repeat ?? 0), recursionLimit: RECURSION_LIMIT, streamMode: "values", ...(options.signal ? { signal: options.signal } : {}) },
            );
          } catch (error) {
            if (options.signal?.aborted) throw new AppError("CANCELLED", "The request was cancelled before it finished.");
            if (isAppError(error)) throw error;
            throw new AppError("PIPELINE_FAILED", `The ${name} pipeline failed: ${error instanceof Error ? error.message : String(error)}`, true);
          }
          const traceId = VALID_TRACE_ID.test(root.traceId) ? root.traceId : null;
          const result: AskResult = { ...toAskResult(name, deps, state, performance.now() - started, traceId), ...(root.traceUrl ? { traceUrl: root.traceUrl } : {}) };
          // The route is known only now; the root span's tags become the trace's (Langfuse unions them).
          if (result.route) root.addTraceTags([`route:${result.route}`]);
          root.update({
            output: { answer: result.answer, route: result.route, citations: result.citations, notFound: result.notFound },
            metadata: { routesRun: result.routesRun, toolCalls: result.toolsCalled.length, warnings: result.warnings },
            ...(result.warnings.length ? { level: "WARNING" as const, statusMessage: result.warnings.join("; ") } : {}),
          });
          return result;
        },
      );
    },
  };
}

/** Both pipelines over the same dependencies: the only difference is the graph. */
export function createPipelines(deps: GraphDependencies, traceMetadata: Record<string, string> = {}): Record<PipelineName, GraphPipeline> {
  return {
    orchestrated: graphPipeline("orchestrated", buildOrchestratedGraph(deps) as unknown as CompiledAskGraph, deps, traceMetadata),
    baseline: graphPipeline("baseline", buildBaselineGraph(deps) as unknown as CompiledAskGraph, deps, traceMetadata),
  };
}
