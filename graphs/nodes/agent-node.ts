import { CallbackManager, type Callbacks } from "@langchain/core/callbacks/manager";
import { Command, type NodeError, type Runtime } from "@langchain/langgraph";
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { runAgent } from "../../specialists/run-agent.js";
import type { AgentDefinition } from "../../specialists/types.js";
import { errorMessage, withSpan } from "../../src/tracing/spans.js";
import { runContextOf, type GraphDependencies } from "../context.js";
import type { AskStateUpdate, AskStateValue, NodeFailure } from "../state.js";
import { yieldToEventLoop } from "./fair-share.js";

/** The observation name of an agent node: `specialist:code` for specialists, the name for the baseline. */
export const observationName = (agent: AgentDefinition) => (agent.route ? `specialist:${agent.name}` : agent.name);

/**
 * The callbacks for the model calls a node makes: the generation callbacks, and, while the run
 * streams tokens (LangGraph's `messages` mode puts a handler that prefers streaming on the run),
 * the node's own callbacks too. Model calls are given explicit callbacks, which replace the node's,
 * so without this the token handler would never hear of them and the model would not stream.
 */
export function modelCallbacksFor(runtime: Runtime, deps: GraphDependencies): (() => Callbacks | undefined) | undefined {
  const nodeCallbacks = (runtime as LangGraphRunnableConfig).callbacks;
  const streamsTokens =
    nodeCallbacks instanceof CallbackManager && nodeCallbacks.handlers.some((handler) => (handler as { lc_prefer_streaming?: boolean }).lc_prefer_streaming);
  if (!streamsTokens) return deps.modelCallbacks;
  return () => {
    const callbacks = nodeCallbacks.copy();
    const extra = deps.modelCallbacks?.();
    for (const handler of Array.isArray(extra) ? extra : (extra?.handlers ?? [])) callbacks.addHandler(handler as CallbackManager["handlers"][number], true);
    return callbacks;
  };
}

/**
 * A node that runs one agent (a specialist or the baseline's single agent) and writes its output.
 * A failed attempt is remembered in the run context so that the retry or the fallback can say why.
 */
export function agentNode(agent: AgentDefinition, deps: GraphDependencies) {
  return (state: AskStateValue, runtime: Runtime): Promise<AskStateUpdate> =>
    withSpan(observationName(agent), "agent", async (span) => {
      await yieldToEventLoop();
      const attempt = runtime.executionInfo?.nodeAttempt ?? 1;
      span.update({ input: { question: state.question }, metadata: { attempt, tools: agent.tools } });
      const context = runContextOf(runtime);
      const callbacks = modelCallbacksFor(runtime, deps);
      try {
        const output = await runAgent(
          agent,
          { question: state.question, history: state.history, ...(state.followUp ? { followUp: state.followUp } : {}), signal: runtime.signal },
          { index: deps.index, models: deps.models, minCoverage: deps.minCoverage, ...(deps.specialistMaxSteps ? { maxSteps: deps.specialistMaxSteps } : {}), ...(callbacks ? { callbacks } : {}), ...(deps.modelCache ? { cache: { store: deps.modelCache, repeat: context?.repeat ?? 0 } } : {}) },
        );
        const earlier = context?.attemptErrors.filter((e) => e.node === agent.name) ?? [];
        const failures: NodeFailure[] = earlier.length ? [{ node: agent.name, attempts: attempt, error: earlier.at(-1)!.error, outcome: "retried" }] : [];
        span.update({
          output: { answer: output.answer, citations: output.citations, notFound: output.notFound },
          metadata: { attempt, toolCalls: output.toolsCalled.length, evidence: output.evidence.length, coverage: output.coverage, model: output.model },
          ...(failures.length ? { level: "WARNING" as const, statusMessage: `succeeded on attempt ${attempt} after: ${failures[0]!.error}` } : {}),
        });
        return {
          specialistOutputs: [output],
          evidence: output.evidence,
          toolsCalled: output.toolsCalled,
          usage: [{ node: agent.name, model: output.model, ...output.usage }],
          failures,
          warnings: failures.map((f) => `${f.node} failed on attempt ${f.attempts - 1} (${f.error}) and succeeded on attempt ${f.attempts}`),
        };
      } catch (error) {
        context?.attemptErrors.push({ node: agent.name, attempt, error: errorMessage(error) });
        throw error;
      }
    });
}

function lastError(config: LangGraphRunnableConfig | undefined, node: string, fallback: string): { error: string; attempts: number } {
  const errors = runContextOf(config)?.attemptErrors.filter((e) => e.node === node) ?? [];
  return { error: errors.at(-1)?.error ?? fallback, attempts: Math.max(1, errors.length) };
}

/**
 * After a specialist's retries are exhausted: hand the question to `general` (unless it is already
 * running for this question) and record the failure on the state and on a warning observation.
 */
export function fallBackToGeneral(agent: AgentDefinition) {
  return (state: AskStateValue, nodeError: NodeError, config?: LangGraphRunnableConfig) =>
    withSpan(`fallback:${agent.name}`, "span", async (span) => {
      const { error, attempts } = lastError(config, agent.name, errorMessage(nodeError.error));
      const generalAlreadyRuns = state.dispatched.includes("general");
      const outcome = generalAlreadyRuns ? "failed" : "fell_back";
      span.update({
        level: "WARNING",
        statusMessage: `${agent.name} failed after ${attempts} attempt(s): ${error}`,
        output: { fallbackTo: generalAlreadyRuns ? null : "general" },
      });
      const update = {
        failures: [{ node: agent.name, attempts, error, outcome }],
        warnings: [`${agent.name} specialist failed after ${attempts} attempt(s) (${error})${generalAlreadyRuns ? "" : "; answered by the general specialist"}`],
      } satisfies AskStateUpdate;
      return generalAlreadyRuns ? update : new Command({ goto: "general", update });
    });
}

/**
 * For the last line of defence (`general`, the baseline agent): record the failure and go on to
 * synthesis, which answers from the other branches' outputs or fails the request when none exist.
 * (An error handler's plain update would end the run there, skipping synthesis.)
 */
export function recordFailure(agent: AgentDefinition) {
  return (_state: AskStateValue, nodeError: NodeError, config?: LangGraphRunnableConfig) =>
    withSpan(`failed:${agent.name}`, "span", async (span) => {
      const { error, attempts } = lastError(config, agent.name, errorMessage(nodeError.error));
      span.update({ level: "ERROR", statusMessage: `${agent.name} failed after ${attempts} attempt(s): ${error}` });
      const update = {
        failures: [{ node: agent.name, attempts, error, outcome: "failed" as const }],
        warnings: [`${agent.name} failed after ${attempts} attempt(s) (${error})`],
      } satisfies AskStateUpdate;
      return new Command({ goto: "synthesize", update });
    });
}
