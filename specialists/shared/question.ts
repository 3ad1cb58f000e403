import { extractErrorSignals } from "../../src/tools/search-errors.js";
import { parseStackTrace } from "../../src/tools/stack-trace.js";

/** What a question names: identifiers, file paths, a pasted trace. Used by offline strategies. */

const BACKTICKED = /`([^`\n]{2,80})`/g;
const IDENTIFIER_SHAPES = [
  /\b[a-z]+[A-Z][A-Za-z0-9]*\b/g, // camelCase
  /\b[A-Z][a-z0-9]+[A-Z][A-Za-z0-9]*\b/g, // PascalCase with two or more humps
  /\b[A-Za-z][A-Za-z0-9]*_[A-Za-z0-9_]+\b/g, // snake_case and UPPER_CASE
  /\b[A-Za-z_$][\w$]*\.[a-z_$][\w$]*(?=\(|\b)/g, // Class.method, obj.fn
  /\b[A-Za-z_$][\w$]*(?=\(\))/g, // fn()
];
const FILE_PATH = /(?:^|[\s"'`(])((?:[\w.-]+\/)*[\w.-]+\.(?:ts|tsx|js|jsx|mjs|cjs|py|go|rs|java|rb|md|rst|json|ya?ml|toml|sql|sh|txt|cfg|ini|log|env\.example))(?=$|[\s"'`),:;?])/g;

const WORDS_THAT_LOOK_LIKE_CODE = new Set(["e.g", "i.e", "etc.", "vs."]);

export function identifiersIn(question: string): string[] {
  const found: string[] = [];
  for (const match of question.matchAll(BACKTICKED)) {
    const inner = match[1]!.replace(/\(\)$/, "");
    if (/^[\w$.]+$/.test(inner)) found.push(inner);
  }
  for (const shape of IDENTIFIER_SHAPES) {
    for (const match of question.matchAll(shape)) {
      const text = match[0];
      if (WORDS_THAT_LOOK_LIKE_CODE.has(text.toLowerCase()) || /\.(ts|js|py|md|go|json|ya?ml)$/.test(text)) continue;
      found.push(text);
    }
  }
  return [...new Set(found)];
}

export function pathsIn(question: string): string[] {
  return [...new Set([...question.matchAll(FILE_PATH)].map((m) => m[1]!.replace(/^\.\//, "")))];
}

/** A pasted stack trace, traceback, panic or test-runner failure: something parse_stack_trace can read. */
export function looksLikeTrace(text: string): boolean {
  return parseStackTrace(text).frames.length > 0;
}

/** An error code, an error class or an error-looking line ("…Error: …", "Error: …", "ERROR …", "panic: …"). */
export function looksLikeError(text: string): boolean {
  return /\b[A-Z][A-Za-z0-9]*(Error|Exception)\b|\b(?:Error|Exception|error):\s|\bE_[A-Z0-9_]{3,}\b|\bERR_[A-Z0-9_]+\b|\bE[A-Z]{4,}\b|\b(ERROR|FATAL|CRITICAL)\b|\bpanic:|\bfailed\b|\b[45]\d\d\b/.test(text);
}

/** The question's own words with a pasted trace or log cut off: what the user asked about it. */
export function askedPart(question: string): string {
  const lines = question.split("\n");
  const prose = lines.filter((line) => !PASTED_LINE.test(line));
  return prose.join(" ").slice(0, 1500);
}

/**
 * Lines that were pasted rather than written: indented trace and code lines, stack frames,
 * `path:line` locations, JSON log lines, timestamped log lines, table rows, runtime banners.
 */
const PASTED_LINE = /^(?:\s{2,}|\t)|^\s*at |^\s*File "|^\s*\d{4}-\d\d-\d\d|^\s*[{[]|^\s*\||^\s*[\w@./-]+\.[a-z]{1,4}:\d+(?::\d+)?\s*$|^\s*[\^~]+\s*$|^\s*(Node\.js|node) v?\d/;

/** What a debugging question is about: the asker's own words plus the error's type, code and message. */
export function errorFocus(question: string): string {
  const trace = parseStackTrace(question);
  const signals = extractErrorSignals(question);
  return [askedPart(question), trace.errorType, trace.message, ...signals.codes, ...signals.classes, ...signals.messages.map((words) => words.join(" "))]
    .filter(Boolean)
    .join("\n");
}
