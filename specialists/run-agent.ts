import { ZERO_USAGE, type Evidence } from "../src/contract.js";
import type { Callbacks } from "@langchain/core/callbacks/manager";
import { asksAboutTests } from "../src/index/path-kinds.js";
import type { RepositoryIndex } from "../src/index/repository-index.js";
import type { ModelCallCache } from "../src/models/model-call-cache.js";
import { runToolCallingAgent } from "../src/models/openai/tool-agent.js";
import type { ModelProvider } from "../src/models/provider.js";
import { ToolSession } from "../src/tools/session.js";
import { absentNames } from "./shared/absent-names.js";
import { dedupeEvidence } from "./shared/evidence-ranking.js";
import { composeExtractiveAnswer } from "./shared/extractive-answer.js";
import { groundCitations } from "./shared/citations.js";
import type { FollowUp } from "./shared/follow-up.js";
import { profileQuestion } from "./shared/relevance.js";
import type { AgentDefinition, AgentOutput, Turn } from "./types.js";

export interface AgentRunInput {
  question: string;
  history: readonly Turn[];
  /** Offline: the question with the subject of the turn it follows (a chat model reads `history` instead). */
  followUp?: FollowUp;
  signal?: AbortSignal;
}

export interface AgentDependencies {
  index: RepositoryIndex;
  models: ModelProvider;
  /** Offline answers below this question coverage say "not found". */
  minCoverage: number;
  /** LangChain callbacks for model calls (Langfuse generations). */
  callbacks?: () => Callbacks | undefined;
  /** Upper bound on any agent's tool-calling steps (SPECIALIST_MAX_STEPS). */
  maxSteps?: number;
  /** Harness model-call cache and the repeat index that keys it. */
  cache?: { store: ModelCallCache; repeat: number };
}

/**
 * Runs one agent on one question: with a chat model as a tool-calling agent, or offline with its
 * retrieval strategy and an extractive answer. Either way the tools it may use are its own subset.
 */
export async function runAgent(agent: AgentDefinition, input: AgentRunInput, deps: AgentDependencies): Promise<AgentOutput> {
  const tools = new ToolSession(deps.index, agent.tools, agent.name);
  const model = deps.models.chatModel("specialist");
  const asked = input.followUp?.text ?? input.question;
  const profile = profileQuestion(deps.index, agent.focus ? agent.focus(asked) : asked, agent.vocabulary);

  if (model) {
    const result = await runToolCallingAgent({
      model,
      modelName: deps.models.models.specialist ?? "unknown",
      prices: deps.models.prices,
      systemPrompt: agent.systemPrompt,
      question: input.question,
      history: input.history,
      tools,
      maxSteps: Math.min(agent.maxSteps, deps.maxSteps ?? agent.maxSteps),
      ...(input.signal ? { signal: input.signal } : {}),
      ...(deps.callbacks?.() ? { callbacks: deps.callbacks()! } : {}),
      ...(deps.cache ? { cache: deps.cache } : {}),
    });
    const evidence = dedupeEvidence(tools.evidence);
    const grounded = groundCitations(result.answer, evidence);
    return {
      agent: agent.name,
      route: agent.route,
      answer: result.answer,
      citations: grounded.citations,
      evidence,
      toolsCalled: tools.calls,
      usage: result.usage,
      notFound: grounded.notFound,
      coverage: grounded.coverage(profile),
      model: result.model,
    };
  }

  const gathered = await agent.gather({ question: asked, history: input.history, tools, index: deps.index, ...(input.signal ? { signal: input.signal } : {}) });
  const evidence: Evidence[] = dedupeEvidence(gathered.evidence);
  const composed = composeExtractiveAnswer({
    profile,
    evidence,
    minCoverage: deps.minCoverage,
    absentNames: absentNames(deps.index, asked),
    aboutTests: asksAboutTests(asked),
    ...(input.followUp?.ownTerms.length ? { followUpTerms: input.followUp.ownTerms } : {}),
    ...(gathered.lead ? { lead: gathered.lead } : {}),
    ...(gathered.strongSignal ? { strongSignal: true } : {}),
    ...(gathered.pinned?.length ? { pinned: gathered.pinned } : {}),
  });
  return {
    agent: agent.name,
    route: agent.route,
    answer: composed.answer,
    citations: composed.citations,
    evidence,
    toolsCalled: tools.calls,
    usage: ZERO_USAGE,
    notFound: composed.notFound,
    coverage: composed.coverage,
    model: null,
  };
}
