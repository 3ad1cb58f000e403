import { END, START, StateGraph } from "@langchain/langgraph";
import type { GraphDependencies } from "./context.js";
import { agentNode, recordFailure } from "./nodes/agent-node.js";
import { synthesizeNode } from "./nodes/synthesize-node.js";
import { recallNode, rememberNode, STATELESS, type GraphThreads } from "./nodes/thread-nodes.js";
import { AskState } from "./state.js";

/**
 *   START → recall → baseline → synthesize → remember → END
 *
 * The single-agent baseline: one agent with one general prompt and every tool, no routing. It
 * shares the state, tools, retry policy and synthesis with the orchestrated graph, so a comparison
 * measures the split into specialists and nothing else.
 */
export function buildBaselineGraph(deps: GraphDependencies, threads: GraphThreads = STATELESS) {
  const agent = deps.baselineAgent;
  return new StateGraph(AskState)
    .addNode("recall", recallNode(deps, threads))
    .addNode("baseline", agentNode(agent, deps), {
      retryPolicy: { maxAttempts: deps.specialistMaxAttempts, initialInterval: 100, maxInterval: 1_000, logWarning: false },
      timeout: { runTimeout: deps.specialistTimeoutMs },
      errorHandler: recordFailure(agent),
      ends: ["synthesize"],
    })
    .addNode("synthesize", synthesizeNode(deps))
    .addNode("remember", rememberNode())
    .addEdge(START, "recall")
    .addEdge("recall", "baseline")
    .addEdge("baseline", "synthesize")
    .addEdge("synthesize", "remember")
    .addEdge("remember", END)
    .compile({ name: "baseline", ...(threads.checkpointer ? { checkpointer: threads.checkpointer } : {}) });
}
