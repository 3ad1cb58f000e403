import type { Tiktoken } from "js-tiktoken/lite";
import type { Turn } from "../types.js";

/**
 * Which earlier turns of a thread reach a new question: the newest that fit a token budget.
 * Tokens are counted with o200k_base, the encoding of the gpt-4o, gpt-4.1 and gpt-5 families this
 * service defaults to. The encoding ships inside js-tiktoken, so counting needs no network.
 */

let encoder: Promise<Tiktoken> | undefined;

/** Loaded on first use: building the encoder takes most of a second, which a stateless question never pays. */
function tokenizer(): Promise<Tiktoken> {
  encoder ??= Promise.all([import("js-tiktoken/lite"), import("js-tiktoken/ranks/o200k_base")]).then(
    ([{ Tiktoken }, { default: ranks }]) => new Tiktoken(ranks),
  );
  return encoder;
}

/** Special-token text ("<|endoftext|>") in a question is counted as plain text, never refused. */
const encode = (tiktoken: Tiktoken, text: string) => tiktoken.encode(text, [], []);

/** What a chat message costs beyond its text (role and delimiters), per OpenAI's accounting. */
const MESSAGE_OVERHEAD_TOKENS = 4;
const CUT_MARK = " …";

/** What a turn costs in the context window: its question and answer as two chat messages. */
export async function countTurnTokens(turn: Turn): Promise<number> {
  return turnTokens(await tokenizer(), turn);
}

/** A turn in a prompt is two messages: the question and the answer. */
function turnTokens(tiktoken: Tiktoken, turn: Turn): number {
  return encode(tiktoken, turn.question).length + encode(tiktoken, turn.answer).length + 2 * MESSAGE_OVERHEAD_TOKENS;
}

/**
 * The newest turns whose tokens add up to at most `budget`, oldest first. Turns are taken newest
 * first and the first one that does not fit ends the window, so the context never has a gap.
 * When the newest turn alone is too long, its answer is cut to fit (its question is kept whole):
 * a follow-up is most often about the turn just before it.
 */
export async function fitTurnsToBudget<T extends Turn>(turns: readonly T[], budget: number): Promise<T[]> {
  if (budget <= 0 || turns.length === 0) return [];
  const tiktoken = await tokenizer();
  const kept: T[] = [];
  let left = budget;
  for (let i = turns.length - 1; i >= 0; i--) {
    const turn = turns[i]!;
    const cost = turnTokens(tiktoken, turn);
    if (cost <= left) {
      kept.unshift(turn);
      left -= cost;
      continue;
    }
    if (kept.length === 0) {
      const cut = cutAnswerToFit(tiktoken, turn, left);
      if (cut) kept.unshift(cut);
    }
    break;
  }
  return kept;
}

/** The turn with its answer cut so that the whole turn takes at most `budget` tokens; undefined when even its question does not fit. */
function cutAnswerToFit<T extends Turn>(tiktoken: Tiktoken, turn: T, budget: number): T | undefined {
  const answer = encode(tiktoken, turn.answer);
  let room = budget - encode(tiktoken, turn.question).length - 2 * MESSAGE_OVERHEAD_TOKENS - encode(tiktoken, CUT_MARK).length;
  while (room > 0) {
    const cut = { ...turn, answer: tiktoken.decode(answer.slice(0, room)) + CUT_MARK };
    // Re-encoding the cut text can merge across the cut and differ by a token or two.
    const over = turnTokens(tiktoken, cut) - budget;
    if (over <= 0) return cut;
    room -= over;
  }
  return undefined;
}
