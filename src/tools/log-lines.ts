import type { RepositoryIndex } from "../index/repository-index.js";
import { filesNamed } from "./frame-mapping.js";

/**
 * Two ways a pasted log line leads back to the code that wrote it, neither of which needs an error
 * code or an exception: the logger's name, which by convention is the module or class that logs
 * (Python's `logging.getLogger(__name__)`, Java's `LoggerFactory.getLogger(Foo.class)`), and the
 * format string of the logging call, whose static text survives in every line it prints.
 */

/** Files a dotted module or class name maps to, by language convention. */
const MODULE_FILE_SUFFIXES = [".py", "/__init__.py", ".java", ".kt", ".scala", ".rb"];
const DOTTED_NAME = /(?<![\w./-])([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+)(?![\w/-])/g;
const MAX_LOGGER_FILES = 4;

/** Indexed files named by the dotted module or class names in `text` (`hookrelay_worker.runner`). */
export function loggerFiles(index: RepositoryIndex, text: string): string[] {
  const found = new Set<string>();
  const names = new Set([...text.matchAll(DOTTED_NAME)].map((m) => m[1]!.replace(/\.$/, "")));
  for (const name of names) {
    if (found.size >= MAX_LOGGER_FILES) break;
    const segments = name.split(".");
    for (const suffix of MODULE_FILE_SUFFIXES) {
      const relative = `${segments.join("/")}${suffix}`;
      const base = relative.slice(relative.lastIndexOf("/") + 1);
      const match = filesNamed(index, base).find((path) => path === relative || path.endsWith(`/${relative}`));
      if (match) {
        found.add(match);
        break;
      }
    }
  }
  return [...found];
}

/** printf (`%s`, `%5.1f`, `%(name)s`, Go's `%v`), brace (`{}`, `{0}`, f-string `{x!r}`) and `${x}` placeholders. */
const PLACEHOLDER = /%(?:\([A-Za-z_]\w*\))?[-+ #0]*(?:\d+|\*)?(?:\.\d+)?[sdrifgeExXocauvqwTp]|\$\{[^}]*\}|\{[^{}]*\}/g;
const STRING_LITERAL = /(?:\b[fFrRbBuU]{1,2})?(["'`])((?:\\.|(?!\1)[^\\\n])*)\1/g;
/** Enough fixed text that a match is not a coincidence: "failed: %s" alone is everywhere. */
const MIN_STATIC_LETTERS = 14;
const MIN_STATIC_WORDS = 3;

const normalize = (text: string) => text.replace(/\s+/g, " ").toLowerCase();

/**
 * The format strings on a source line, each as its fixed parts in order: a line was printed by it
 * when the parts appear in it in that order, anything between them (the placeholders' values).
 */
export function formatPatterns(sourceLine: string): string[][] {
  const patterns: string[][] = [];
  for (const literal of sourceLine.matchAll(STRING_LITERAL)) {
    const body = literal[2]!.replace(/\\(["'`\\])/g, "$1");
    const staticParts = body.split(PLACEHOLDER);
    const staticText = staticParts.join(" ");
    if ((staticText.match(/[A-Za-z]/g)?.length ?? 0) < MIN_STATIC_LETTERS) continue;
    // Words of a sentence, not the parts of an identifier or a key ("RATE_LIMIT_PER_SECOND").
    if (staticText.split(/\s+/).filter((word) => /[A-Za-z]{2,}/.test(word)).length < MIN_STATIC_WORDS) continue;
    patterns.push(staticParts.map(normalize).filter((part) => part.trim().length > 0));
  }
  return patterns;
}

/**
 * Whether the parts occur in `line` in order. Taking each part's first occurrence after the last is
 * exact for gaps of any length, and linear: no regular expression to backtrack on hostile input.
 */
function containsInOrder(line: string, parts: readonly string[]): boolean {
  let from = 0;
  for (const part of parts) {
    const at = line.indexOf(part, from);
    if (at < 0) return false;
    from = at + part.length;
  }
  return true;
}

/** The pasted lines worth matching against format strings: non-blank, bounded in number and length. */
export function pastedLines(text: string, limit = 200): string[] {
  return text
    .split("\n")
    .map((line) => normalize(line.trim().slice(0, 2000)))
    .filter((line) => line.length >= MIN_STATIC_LETTERS)
    .slice(0, limit);
}

/** True when a format string on `sourceLine` could have printed one of `lines` (from `pastedLines`). */
export function printedBy(sourceLine: string, lines: readonly string[]): boolean {
  if (!/["'`]/.test(sourceLine)) return false;
  return formatPatterns(sourceLine).some((parts) => lines.some((line) => containsInOrder(line, parts)));
}
