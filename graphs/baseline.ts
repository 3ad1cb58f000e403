import { END, START, StateGraph } from "@langchain/langgraph";
import type { GraphDependencies } from "./context.js";
import { agentNode, recordFailure } from "./nodes/agent-node.js";
import { synthesizeNode } from "./nodes/synthesize-node.js";
import { AskState } from "./state.js";

/**
 *   START → baseline → synthesize → END
 *
 * The single-agent baseline: one agent with one general prompt and every tool, no routing. It
 * shares the state, tools, retry policy and synthesis with the orchestrated graph, so a comparison
 * measures the split into specialists and nothing else.
 */
export function buildBaselineGraph(deps: GraphDependencies) {
  const agent = deps.baselineAgent;
  return new StateGraph(AskState)
    .addNode("baseline", agentNode(agent, deps), {
      retryPolicy: { maxAttempts: deps.specialistMaxAttempts, initialInterval: 100, maxInterval: 1_000, logWarning: false },
      timeout: { runTimeout: deps.specialistTimeoutMs },
      errorHandler: recordFailure(agent),
    })
    .addNode("synthesize", synthesizeNode(deps))
    .addEdge(START, "baseline")
    .addEdge("baseline", "synthesize")
    .addEdge("synthesize", END)
    .compile({ name: "baseline" });
}
