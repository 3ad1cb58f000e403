import { Send, type Runtime } from "@langchain/langgraph";
import { fanOutRoutes } from "../../src/models/routing.js";
import { withSpan } from "../../src/tracing/spans.js";
import { runContextOf, type GraphDependencies } from "../context.js";
import type { AskStateUpdate, AskStateValue } from "../state.js";
import { yieldToEventLoop } from "./fair-share.js";

/** The router: picks the specialist (two when unsure) and records why. */
export function routerNode(deps: GraphDependencies) {
  return (state: AskStateValue, runtime: Runtime): Promise<AskStateUpdate> =>
    withSpan("router", "chain", async (span) => {
      await yieldToEventLoop();
      span.update({ input: { question: state.question, historyTurns: state.history.length, ...(state.followUp ? { followUp: state.followUp.text } : {}) } });
      const context = state.history.map((turn) => `Q: ${turn.question}\nA: ${turn.answer.slice(0, 400)}`).join("\n");
      // The local classifier reads no history: offline, a follow-up is routed with the subject it leans on.
      const routed = deps.models.kind === "offline" && state.followUp ? state.followUp.text : state.question;
      const decision = await deps.router.decide(routed, { signal: runtime.signal, ...(context ? { context } : {}) });
      const dispatched = fanOutRoutes(decision, deps.lowConfidence);
      span.update({
        output: { route: decision.route, confidence: decision.confidence, dispatched },
        metadata: { reason: decision.reason, decidedBy: decision.source, fellBack: decision.source === "classifier_fallback", ranked: decision.ranked, model: decision.model },
        ...(decision.fallbackReason ? { level: "WARNING" as const, statusMessage: decision.fallbackReason } : {}),
        ...(decision.model ? { model: decision.model } : {}),
      });
      return {
        route: decision.route,
        routeConfidence: decision.confidence,
        routeReason: decision.reason,
        routerSource: decision.source,
        dispatched,
        usage: [{ node: "router", model: decision.model, ...decision.usage }],
        warnings: decision.fallbackReason ? [`router fell back to the classifier: ${decision.fallbackReason}`] : [],
      };
    });
}

/** Conditional edges out of the router: one Send per dispatched specialist. */
export function dispatchToSpecialists(state: AskStateValue): Send[] {
  return state.dispatched.map((route) => new Send(route, state));
}
