import { z } from "zod";
import { CitationSchema, EvidenceSchema, RouteSchema, ToolCallRecordSchema, UsageSchema, type Evidence, type Route } from "../src/contract.js";
import type { RepositoryIndex } from "../src/index/repository-index.js";
import type { ToolSession } from "../src/tools/session.js";
import type { Vocabulary } from "../src/index/search-engine.js";
import type { ToolName } from "../src/tools/tool.js";

/** One earlier turn of a conversation, as carried into a new question's context. */
export const TurnSchema = z.object({
  question: z.string(),
  answer: z.string(),
  route: RouteSchema.nullable(),
  citations: z.array(CitationSchema),
});
export type Turn = z.infer<typeof TurnSchema>;

/** What one agent (a specialist or the baseline's single agent) hands to synthesis. */
export const AgentOutputSchema = z.object({
  agent: z.string(),
  route: RouteSchema.nullable(),
  answer: z.string(),
  citations: z.array(CitationSchema),
  evidence: z.array(EvidenceSchema),
  toolsCalled: z.array(ToolCallRecordSchema),
  usage: UsageSchema,
  notFound: z.boolean(),
  /** How much of the question the cited evidence covers (0..1); synthesis uses it to rank outputs. */
  coverage: z.number().min(0).max(1),
  model: z.string().nullable(),
});
export type AgentOutput = z.infer<typeof AgentOutputSchema>;

/** What an offline strategy sees: the question, its tools and the index's term statistics. */
export interface StrategyContext {
  question: string;
  history: readonly Turn[];
  tools: ToolSession;
  index: RepositoryIndex;
  signal?: AbortSignal;
}

/** The offline strategy's product: ranked evidence plus what the route knows about presenting it. */
export interface GatheredEvidence {
  evidence: Evidence[];
  /** A lead sentence grounded in tool output (e.g. the parsed error type and its frame). */
  lead?: string;
  /** True when a tool found something that answers the question by itself (a mapped stack frame). */
  strongSignal?: boolean;
  /** Evidence the strategy knows belongs in the answer whatever its wording (a manifest for a stack question). */
  pinned?: Evidence[];
}

/**
 * An agent definition: its prompt and tool subset for the model-driven path, and its retrieval
 * strategy for the offline path. Adding a specialist is one such module plus one graph node.
 */
export interface AgentDefinition {
  name: string;
  route: Route | null;
  /** One line for people and for the model router. */
  purpose: string;
  systemPrompt: string;
  tools: readonly ToolName[];
  /** Most tool-calling steps the model-driven agent may take. */
  maxSteps: number;
  /** Most tool calls the offline strategy makes. */
  toolBudget: number;
  /** Whose term statistics weigh the question's words: the source's, the docs', or both. */
  vocabulary: Vocabulary;
  /** The part of a question that says what it is about (default: all of it); relevance is judged on it. */
  focus?(question: string): string;
  gather(context: StrategyContext): Promise<GatheredEvidence>;
}
