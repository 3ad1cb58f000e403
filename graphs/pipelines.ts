import { addUsage, ZERO_USAGE, type AskOptions, type AskResult, type Pipeline, type PipelineName, type RunProgressEvent } from "../src/contract.js";
import { AppError, isAppError } from "../src/errors.js";
import { recordDegradation } from "../src/models/degrading-provider.js";
import type { ThreadMemory } from "../src/store/thread-memory.js";
import { withRequestTrace } from "../src/tracing/request-trace.js";
import { dedupeEvidence } from "../specialists/shared/evidence-ranking.js";
import type { Turn } from "../specialists/types.js";
import { buildBaselineGraph } from "./baseline.js";
import { newRunContext, type GraphDependencies } from "./context.js";
import { STATELESS, type GraphThreads } from "./nodes/thread-nodes.js";
import { buildOrchestratedGraph } from "./orchestrated.js";
import { PROGRESS_STREAM_MODES, progressEventsOf } from "./progress-events.js";
import { runInput, type AskStateUpdate, type AskStateValue } from "./state.js";

/** Most supersteps a question may take: recall, router, fan-out, fallback, synthesis, remember, with room to spare. */
const RECURSION_LIMIT = 12;

export interface PipelineRunOptions extends AskOptions {
  /** Earlier turns for a question without a thread, oldest first (a thread's own turns come from its memory). */
  history?: Turn[];
}

export interface GraphPipeline extends Pipeline {
  run(question: string, options?: PipelineRunOptions): Promise<AskResult>;
}

interface CompiledAskGraph {
  stream(input: AskStateUpdate, config: Record<string, unknown>): Promise<AsyncIterable<unknown>>;
}

/**
 * Runs a graph to its final state. With a listener, the run also streams its progress from
 * LangGraph's own stream modes (see progress-events.ts); without one it streams only the state,
 * which is what `invoke` does, so model calls are made as they would be without streaming.
 */
async function runGraph(graph: CompiledAskGraph, input: AskStateUpdate, config: Record<string, unknown>, onEvent?: (event: RunProgressEvent) => void): Promise<AskStateValue> {
  let state: AskStateValue | undefined;
  const stream = await graph.stream(input, { ...config, streamMode: onEvent ? [...PROGRESS_STREAM_MODES] : ["values"] });
  for await (const chunk of stream) {
    const [mode, payload] = chunk as [string, unknown];
    if (mode === "values") state = payload as AskStateValue;
    else if (onEvent) for (const event of progressEventsOf(mode, payload)) onEvent(event);
  }
  if (!state) throw new Error("the graph finished without a state");
  return state;
}

/** A pipeline's graph compiled twice: for questions without a thread, and with the checkpointer for threads. */
interface PipelineGraphs {
  stateless: CompiledAskGraph;
  threaded?: { graph: CompiledAskGraph; memory: ThreadMemory };
}

/**
 * A question with a thread continues it: the checkpointer restores the thread's state, the graph
 * adds this turn, and only the checkpoint written on exit is kept ("exit" durability writes none
 * per step). One run at a time continues a thread. A question without one leaves nothing behind.
 */
function invokeGraph(graphs: PipelineGraphs, question: string, options: PipelineRunOptions, config: Record<string, unknown>): Promise<AskStateValue> {
  const { threadId, onEvent } = options;
  if (!threadId || !graphs.threaded) return runGraph(graphs.stateless, runInput(question, threadId, options.history), config, onEvent);
  const { graph, memory } = graphs.threaded;
  return memory.continueThread(
    threadId,
    () => runGraph(graph, runInput(question, threadId), { ...config, configurable: { thread_id: threadId }, durability: "exit" }, onEvent),
    (state) => state.turns.length,
    options.signal,
  );
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

function graphPipeline(name: PipelineName, graphs: PipelineGraphs, deps: GraphDependencies, traceMetadata: Record<string, string>): GraphPipeline {
  return {
    name,
    async run(question, options = {}) {
      const started = performance.now();
      const tags = [`pipeline:${name}`, `provider:${deps.models.kind}`];
      return withRequestTrace(
        {
          name,
          question,
          ...(options.threadId || options.sessionId ? { sessionId: (options.threadId ?? options.sessionId)! } : {}),
          ...(options.userId ? { userId: options.userId } : {}),
          tags,
          metadata: { ...traceMetadata, ...(options.harnessRunId ? { harnessRunId: options.harnessRunId } : {}) },
        },
        async (root) => {
          let state: AskStateValue;
          let degradedReason: string | undefined;
          try {
            ({ value: state, degradedReason } = await recordDegradation(() =>
              invokeGraph(graphs, question, options, {
                context: newRunContext(options.repeat ?? 0),
                recursionLimit: RECURSION_LIMIT,
                ...(options.signal ? { signal: options.signal } : {}),
              }),
            ));
          } catch (error) {
            if (options.signal?.aborted) throw new AppError("CANCELLED", "The request was cancelled before it finished.");
            if (isAppError(error)) throw error;
            throw new AppError("PIPELINE_FAILED", `The ${name} pipeline failed: ${error instanceof Error ? error.message : String(error)}`, true);
          }
          const traceId = VALID_TRACE_ID.test(root.traceId) ? root.traceId : null;
          const result: AskResult = {
            ...toAskResult(name, deps, state, performance.now() - started, traceId),
            ...(root.traceUrl ? { traceUrl: root.traceUrl } : {}),
            ...(degradedReason ? { degraded: true, degradedReason } : {}),
          };
          // The route is known only now; the root span's tags become the trace's (Langfuse unions them).
          if (result.route) root.addTraceTags([`route:${result.route}`]);
          if (result.degraded) root.addTraceTags(["degraded"]);
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

/** Thread memory for the pipelines: where threads persist (none: threads are not remembered), and how much of one a question sees. */
export interface PipelineThreads {
  memory?: ThreadMemory;
  contextTokens: number;
}

/** Both pipelines over the same dependencies: the only difference is the graph. */
export function createPipelines(deps: GraphDependencies, traceMetadata: Record<string, string> = {}, threads: PipelineThreads = STATELESS): Record<PipelineName, GraphPipeline> {
  const { memory, contextTokens } = threads;
  const graphsOf = (build: (deps: GraphDependencies, threads: GraphThreads) => unknown): PipelineGraphs => ({
    stateless: build(deps, { contextTokens }) as CompiledAskGraph,
    ...(memory ? { threaded: { graph: build(deps, { checkpointer: memory.checkpointer, contextTokens }) as CompiledAskGraph, memory } } : {}),
  });
  return {
    orchestrated: graphPipeline("orchestrated", graphsOf(buildOrchestratedGraph), deps, traceMetadata),
    baseline: graphPipeline("baseline", graphsOf(buildBaselineGraph), deps, traceMetadata),
  };
}
