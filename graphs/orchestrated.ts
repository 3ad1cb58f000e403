import { END, START, StateGraph } from "@langchain/langgraph";
import { ROUTES } from "../src/contract.js";
import type { GraphDependencies } from "./context.js";
import { agentNode, fallBackToGeneral, recordFailure } from "./nodes/agent-node.js";
import { dispatchToSpecialists, routerNode } from "./nodes/router-node.js";
import { synthesizeNode } from "./nodes/synthesize-node.js";
import { AskState } from "./state.js";

/**
 *   START → router ─┬─→ code ────┐
 *                   ├─→ docs ────┤
 *                   ├─→ debug ───┼─→ synthesize → END
 *                   └─→ general ─┘
 *
 * The router sends the question to one specialist, or to two when unsure (Send fan-out). A
 * specialist that keeps failing hands over to `general`. Each specialist has its own edge to
 * `synthesize`, which is deferred so it runs once, after every branch (and fallback) is done.
 */
export function buildOrchestratedGraph(deps: GraphDependencies) {
  const attempts = {
    retryPolicy: { maxAttempts: deps.specialistMaxAttempts, initialInterval: 100, maxInterval: 1_000, logWarning: false },
    timeout: { runTimeout: deps.specialistTimeoutMs },
  };
  const { code, docs, debug, general } = deps.specialists;
  return new StateGraph(AskState)
    .addNode("router", routerNode(deps))
    .addNode("code", agentNode(code, deps), { ...attempts, errorHandler: fallBackToGeneral(code), ends: ["general"] })
    .addNode("docs", agentNode(docs, deps), { ...attempts, errorHandler: fallBackToGeneral(docs), ends: ["general"] })
    .addNode("debug", agentNode(debug, deps), { ...attempts, errorHandler: fallBackToGeneral(debug), ends: ["general"] })
    .addNode("general", agentNode(general, deps), { ...attempts, errorHandler: recordFailure(general) })
    .addNode("synthesize", synthesizeNode(deps), { defer: true })
    .addEdge(START, "router")
    .addConditionalEdges("router", dispatchToSpecialists, [...ROUTES])
    .addEdge("code", "synthesize")
    .addEdge("docs", "synthesize")
    .addEdge("debug", "synthesize")
    .addEdge("general", "synthesize")
    .addEdge("synthesize", END)
    .compile({ name: "orchestrated" });
}
