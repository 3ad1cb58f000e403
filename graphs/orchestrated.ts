import { END, START, StateGraph } from "@langchain/langgraph";
import { ROUTES } from "../src/contract.js";
import type { GraphDependencies } from "./context.js";
import { agentNode, fallBackToGeneral, recordFailure } from "./nodes/agent-node.js";
import { dispatchToSpecialists, routerNode } from "./nodes/router-node.js";
import { synthesizeNode } from "./nodes/synthesize-node.js";
import { recallNode, rememberNode, STATELESS, type GraphThreads } from "./nodes/thread-nodes.js";
import { AskState } from "./state.js";

/**
 *   START → recall → router ─┬─→ code ────┐
 *                            ├─→ docs ────┤
 *                            ├─→ debug ───┼─→ synthesize → remember → END
 *                            └─→ general ─┘
 *
 * The router sends the question to one specialist, or to two when unsure (Send fan-out). A
 * specialist that keeps failing hands over to `general`. Each specialist has its own edge to
 * `synthesize`, which is deferred so it runs once, after every branch (and fallback) is done.
 * `recall` and `remember` read and extend the thread's turns when there is a thread.
 */
export function buildOrchestratedGraph(deps: GraphDependencies, threads: GraphThreads = STATELESS) {
  const attempts = {
    retryPolicy: { maxAttempts: deps.specialistMaxAttempts, initialInterval: 100, maxInterval: 1_000, logWarning: false },
    timeout: { runTimeout: deps.specialistTimeoutMs },
  };
  const { code, docs, debug, general } = deps.specialists;
  return new StateGraph(AskState)
    .addNode("recall", recallNode(deps, threads))
    .addNode("router", routerNode(deps))
    .addNode("code", agentNode(code, deps), { ...attempts, errorHandler: fallBackToGeneral(code), ends: ["general"] })
    .addNode("docs", agentNode(docs, deps), { ...attempts, errorHandler: fallBackToGeneral(docs), ends: ["general"] })
    .addNode("debug", agentNode(debug, deps), { ...attempts, errorHandler: fallBackToGeneral(debug), ends: ["general"] })
    .addNode("general", agentNode(general, deps), { ...attempts, errorHandler: recordFailure(general), ends: ["synthesize"] })
    .addNode("synthesize", synthesizeNode(deps), { defer: true })
    .addNode("remember", rememberNode())
    .addEdge(START, "recall")
    .addEdge("recall", "router")
    .addConditionalEdges("router", dispatchToSpecialists, [...ROUTES])
    .addEdge("code", "synthesize")
    .addEdge("docs", "synthesize")
    .addEdge("debug", "synthesize")
    .addEdge("general", "synthesize")
    .addEdge("synthesize", "remember")
    .addEdge("remember", END)
    .compile({ name: "orchestrated", ...(threads.checkpointer ? { checkpointer: threads.checkpointer } : {}) });
}
