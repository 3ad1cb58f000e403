import { createRequire } from "node:module";
import type { RepositoryIndex } from "../../src/index/repository-index.js";
import { normalizeTerm } from "../../src/index/search-engine.js";
import { tokenizeCode } from "../../src/index/tokenize.js";
import { askedPart, looksLikeError } from "./question.js";

/**
 * Names in a question that the repository never mentions: `brotli`, `lerna`, `FST_ERR_RATE_LIMIT`,
 * `maxConnections`. A question about a named thing the repository does not contain cannot be
 * answered from it. English words are not names (a question may paraphrase: "tampered", "laptop"),
 * nor are values quoted from an error message, numbers, versions or the lines of a pasted trace.
 */

const ENGLISH = new Set((createRequire(import.meta.url)("an-array-of-english-words") as string[]));
const RAW_TOKEN = /[A-Za-z_$][A-Za-z0-9_$]*(?:[.\-/][A-Za-z_$][A-Za-z0-9_$]*)*/g;

const pathTokens = new WeakMap<RepositoryIndex, Set<string>>();

function namesInPaths(index: RepositoryIndex): Set<string> {
  let tokens = pathTokens.get(index);
  if (!tokens) {
    tokens = new Set([...index.files.keys()].flatMap((path) => tokenizeCode(path).map(normalizeTerm)));
    pathTokens.set(index, tokens);
  }
  return tokens;
}

function isEnglishWord(word: string): boolean {
  if (ENGLISH.has(word)) return true;
  // Inflections the list may lack: "routers", "inlined", "retrying".
  return [/s$/, /es$/, /d$/, /ed$/, /ing$/, /ly$/].some((suffix) => suffix.test(word) && ENGLISH.has(word.replace(suffix, "")));
}

/** English words and compounds of two English words ("datastores", "crashloops"). */
function isEnglish(word: string): boolean {
  if (isEnglishWord(word)) return true;
  for (let split = 3; split <= word.length - 3; split++) {
    if (ENGLISH.has(word.slice(0, split)) && isEnglishWord(word.slice(split))) return true;
  }
  return false;
}

/** Prefixes written before a hyphen ("multi-tenant", "non-blocking") that dictionaries list only inside words. */
const HYPHEN_PREFIXES = new Set(["multi", "non", "pre", "post", "sub", "anti", "semi", "inter", "intra", "auto", "micro", "macro", "mega", "meta", "mid", "uni", "bi", "tri"]);

/** A code-shaped name: an error code or constant (`E_RATE_LIMITED`, `FST_ERR_X`). */
const CODE_SHAPED = /^[A-Z][A-Z0-9]*_[A-Z0-9_]+$/;

/** The question's own words: values quoted from messages and examples dropped, codes kept. */
function withoutValues(text: string): string {
  return askedPart(text)
    .replace(/n't\b/gi, " not")
    .replace(/'(s|re|ve|ll|d|m)\b/gi, "")
    .replace(/(["'])((?:(?!\1).){1,200})\1/g, (_quoted, _mark, inner: string) => ` ${inner.split(/\s+/).filter((w) => CODE_SHAPED.test(w)).join(" ")} `)
    .replace(/\bhttps?:\/\/\S+/g, " ")
    .replace(/(?:^|\s)(?:\/|~\/|\.\.?\/)\S+/g, " "); // absolute and relative filesystem paths
}

export function absentNames(index: RepositoryIndex, question: string): string[] {
  const known = namesInPaths(index);
  const absent = new Set<string>();
  // In a pasted error, words are values and built-in names; only error codes still count as names.
  const pasted = looksLikeError(question);
  for (const match of withoutValues(question).matchAll(RAW_TOKEN)) {
    // A compound (`serve-static`, `lib/x.js`, `a.b`) is a name only through its parts.
    for (const raw of match[0].split(/[.\-/]/)) {
      const word = raw.toLowerCase();
      if (pasted && !CODE_SHAPED.test(raw)) continue;
      // camelCase and snake_case are identifiers, names whatever words they are made of.
      const identifier = /[a-z][A-Z]|_/.test(raw);
      if (word.length < 3 || /\d/.test(word) || HYPHEN_PREFIXES.has(word) || (!identifier && isEnglish(word))) continue;
      const term = normalizeTerm(word);
      if (index.termFrequency(term) > 0 || known.has(term)) continue;
      absent.add(raw);
    }
  }
  return [...absent];
}
