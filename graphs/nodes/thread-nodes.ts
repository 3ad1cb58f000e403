import type { BaseCheckpointSaver } from "@langchain/langgraph";
import { fitTurnsToBudget } from "../../specialists/shared/context-window.js";
import { resolveFollowUp } from "../../specialists/shared/follow-up.js";
import type { GraphDependencies } from "../context.js";
import type { AskStateUpdate, AskStateValue } from "../state.js";

/** How a graph keeps threads: compiled with a checkpointer it remembers them; without, every question stands alone. */
export interface GraphThreads {
  checkpointer?: BaseCheckpointSaver;
  /** THREAD_CONTEXT_TOKENS: the token budget of the earlier turns a question sees. */
  contextTokens: number;
}

/** THREAD_CONTEXT_TOKENS' default. */
export const DEFAULT_CONTEXT_TOKENS = 2000;
export const STATELESS: GraphThreads = { contextTokens: DEFAULT_CONTEXT_TOKENS };

/**
 * Recall, the first step: what this question sees of its thread, namely the newest turns that fit
 * the token budget, and the subject a follow-up leans on (for the offline router and retrieval; a
 * chat model reads the history itself). Without a thread, the earlier turns are the ones the
 * caller passed in as `history`.
 */
export function recallNode(deps: GraphDependencies, threads: GraphThreads) {
  return async (state: AskStateValue): Promise<AskStateUpdate> => {
    const recent = await fitTurnsToBudget(state.turns.length > 0 ? state.turns : state.history, threads.contextTokens);
    const history = recent.map(({ question, answer, route, citations }) => ({ question, answer, route, citations }));
    const followUp = resolveFollowUp(deps.index, state.question, history);
    return { history, followUp: followUp.carried.length > 0 ? followUp : null };
  };
}

/** Remember, the last step: the answered question joins the thread's turns (kept when the run has a thread). */
export function rememberNode() {
  return (state: AskStateValue): AskStateUpdate => ({
    turns: [{ question: state.question, answer: state.finalAnswer, route: state.route, citations: state.citations, at: new Date().toISOString() }],
  });
}
