import { z } from "zod";
import { CitationSchema, RouteSchema } from "../contract.js";

/** One answered question of a thread, as the thread remembers it and GET /threads/:id returns it. */
export const ThreadTurnSchema = z.object({
  question: z.string(),
  answer: z.string(),
  /** The route the router chose; null for the baseline pipeline. */
  route: RouteSchema.nullable(),
  citations: z.array(CitationSchema),
  /** When the turn was answered (ISO 8601, UTC). */
  at: z.iso.datetime(),
});
export type ThreadTurn = z.infer<typeof ThreadTurnSchema>;

/**
 * Most turns a thread keeps; older ones are dropped as new ones arrive. Only the newest turns that
 * fit THREAD_CONTEXT_TOKENS reach the pipelines anyway: this bounds what a thread stores.
 */
export const THREAD_TURN_LIMIT = 100;

/** How a thread's turns grow: appended, oldest dropped past the limit. */
export function appendTurns(earlier: readonly ThreadTurn[], added: readonly ThreadTurn[]): ThreadTurn[] {
  return [...earlier, ...added].slice(-THREAD_TURN_LIMIT);
}
