import { z } from "zod";
import type { Evidence } from "../contract.js";
import { isTestPath } from "../index/path-kinds.js";
import type { RepositoryIndex } from "../index/repository-index.js";
import { loggerFiles, pastedLines, printedBy } from "./log-lines.js";
import { CODE_FIELD_PATTERN, ERROR_CODE_PATTERN } from "./stack-trace.js";
import { boundText, defineTool } from "./tool.js";

/**
 * Finds where an error is defined or raised: by error code, by error class, and by the static parts
 * of its message (a message seen at run time has values the source does not: ids, counts, names).
 */

/**
 * `template`: a format string (a logging call's, an error's message) that printed a pasted line;
 * `message`: a line sharing most of a message's words; `carrier`: a raise of the error class that
 * carries a pasted error code.
 */
type SiteRole = "definition" | "throw" | "message" | "template" | "carrier" | "reference";

interface Site {
  path: string;
  line: number;
  role: SiteRole;
  term: string;
  score: number;
}

const ROLE_SCORE: Record<SiteRole, number> = { definition: 3, template: 2.75, message: 2.5, throw: 2, carrier: 1.8, reference: 1 };
/** Lines read from a file the pasted text names as its logger; a module longer than this is read only where search found it. */
const LOGGER_FILE_LINES = 3000;
const CONTEXT = 3;
/** Room for a code's definition and references, the raises of its class, and where the docs explain it. */
const MAX_SITES = 10;
const CANDIDATE_CHUNKS = 40;

const ERROR_CLASS = /\b([A-Z][A-Za-z0-9]*(?:Error|Exception|Fault|Failure))\b/g;
/** Raised everywhere and defined nowhere in a repository: searched only through messages. */
const BUILTIN_ERRORS = new Set(["Error", "TypeError", "RangeError", "SyntaxError", "ReferenceError", "ValueError", "KeyError", "RuntimeError", "AssertionError", "Exception", "IndexError", "AttributeError", "IOError", "OSError"]);

export interface ErrorSignals {
  codes: string[];
  classes: string[];
  /** Message words in order, lowercased, with values (numbers, ids, quoted strings) removed. */
  messages: string[][];
}

const unique = <T>(values: T[]) => [...new Set(values)];

function messageWords(message: string): string[] {
  return message
    .replace(/(['"`]).*?\1/g, " ") // quoted values differ between the source and a real run
    .replace(/\b[0-9a-f]{8,}\b|\b\d[\w.:-]*\b/gi, " ")
    .toLowerCase()
    .split(/[^a-z_]+/)
    .filter((w) => w.length > 1);
}

export function extractErrorSignals(text: string): ErrorSignals {
  const codes = unique([
    ...[...text.matchAll(new RegExp(CODE_FIELD_PATTERN, "g"))].map((m) => m[1]!),
    ...[...text.matchAll(new RegExp(ERROR_CODE_PATTERN, "g"))].map((m) => m[1]!),
  ]);
  const classes = unique([...text.matchAll(ERROR_CLASS)].map((m) => m[1]!));
  const messages: string[][] = [];
  for (const line of text.split("\n")) {
    // "SomeError [CODE]: message", "raise X: message", or a bare one-line message.
    const afterType =
      /(?:Error|Exception|Failure|Fault|panic|error|ERROR)(?: \[[A-Z0-9_]+\])?\]?:\s+(.{8,})$/.exec(line)?.[1] ??
      /"(?:msg|message|error)"\s*:\s*"((?:[^"\\]|\\.){8,})"/.exec(line)?.[1]; // JSON log lines and error bodies
    const candidate = afterType ?? (text.split("\n").length === 1 ? line : undefined);
    if (!candidate) continue;
    const words = messageWords(candidate);
    if (words.length >= 2) messages.push(words);
  }
  for (const quoted of text.matchAll(/["'`]([^"'`\n]{12,})["'`]/g)) {
    const words = messageWords(quoted[1]!);
    if (words.length >= 3) messages.push(words);
  }
  return { codes, classes, messages: messages.slice(0, 5) };
}

function classify(line: string, term: string): SiteRole {
  const escaped = term.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  if (new RegExp(`\\b(class|interface|type|enum|def|struct)\\s+${escaped}\\b|\\b(const|let|var|val)\\s+${escaped}\\b|^\\s*(export\\s+)?${escaped}\\s*[:=]|["']${escaped}["']\\s*[:=]`).test(line)) return "definition";
  if (/\b(throw|raise|reject|panic|abort|Errorf|errors\.New)\b|\bnew\s+[A-Z]\w*(Error|Exception)\(/.test(line)) return "throw";
  return "reference";
}

/** Share of the message's word pairs that appear in a line; static text survives templating. */
/** One pattern per adjacent word pair of a message, allowing one templated value in between. */
function messagePairs(words: readonly string[]): RegExp[] {
  const pairs: RegExp[] = [];
  for (let i = 0; i + 1 < words.length; i++) pairs.push(new RegExp(`\\b${words[i]}\\W+(?:\\S+\\W+)?${words[i + 1]}\\b`));
  return pairs;
}

function messageOverlap(line: string, pairs: readonly RegExp[]): number {
  if (pairs.length === 0) return 0;
  const lower = line.toLowerCase();
  let present = 0;
  for (const pair of pairs) if (pair.test(lower)) present++;
  return present / pairs.length;
}

async function findSites(index: RepositoryIndex, signals: ErrorSignals, rawText: string): Promise<Site[]> {
  const identifiers = [...signals.codes, ...signals.classes.filter((c) => !BUILTIN_ERRORS.has(c))];
  const query = [...identifiers, ...signals.messages.flat()].join(" ") || rawText.slice(0, 500);
  const hits = index.search(query, CANDIDATE_CHUNKS, new Set(["code", "text", "doc"]));
  // Definitions of error classes and code constants are found by name even when search misses them.
  const definitions = identifiers.flatMap((id) => index.symbolsByName.get(id.toLowerCase()) ?? []);
  const regions = [
    ...hits.map(({ chunk }) => ({ path: chunk.path, startLine: chunk.startLine, endLine: chunk.endLine, doc: chunk.category === "doc", code: chunk.category === "code" })),
    ...definitions.map((s) => ({ path: s.path, startLine: s.startLine, endLine: s.endLine, doc: false, code: true })),
    // The module a log line names as its logger holds the call that printed it, whatever search ranks first.
    ...loggerFiles(index, rawText).map((path) => ({ path, startLine: 1, endLine: LOGGER_FILE_LINES, doc: false, code: true })),
  ];
  const logLines = pastedLines(rawText);

  const messages = signals.messages.map((words) => ({ words, pairs: messagePairs(words) }));
  const sites = new Map<string, Site>();
  const record = (site: Site) => {
    const key = `${site.path}:${site.line}`;
    const existing = sites.get(key);
    if (!existing || existing.score < site.score) sites.set(key, site);
  };
  for (const region of regions) {
    const lines = await index.fileLines(region.path);
    if (!lines) continue;
    // Tests and fixtures repeat error text to assert it; the source that raises it matters more.
    const weight = (region.doc ? 0.4 : 1) * (isTestPath(region.path) ? 0.5 : 1);
    for (let line = region.startLine; line <= region.endLine && line <= lines.length; line++) {
      const text = lines[line - 1]!;
      for (const id of identifiers) {
        if (!new RegExp(`\\b${id}\\b`).test(text)) continue;
        const role = classify(text, id);
        record({ path: region.path, line, role, term: id, score: ROLE_SCORE[role] * weight });
      }
      // Only code prints; a saved log or a doc quoting the same line is not where it came from.
      if (region.code && printedBy(text, logLines)) record({ path: region.path, line, role: "template", term: text.trim().slice(0, 120), score: ROLE_SCORE.template * weight });
      for (const { words, pairs } of messages) {
        const overlap = messageOverlap(text, pairs);
        if (overlap >= 0.5) record({ path: region.path, line, role: "message", term: words.join(" "), score: ROLE_SCORE.message * overlap * weight });
      }
    }
  }
  await recordCarrierThrows(index, signals.codes, identifiers, sites, record);
  return [...sites.values()].sort((a, b) => b.score - a.score || a.path.localeCompare(b.path) || a.line - b.line);
}

/** An error class's name, as raised: `PermanentDeliveryError`, `QuotaExceeded`. */
const ERROR_CLASS_NAME = /^[A-Z]\w*(Error|Exception|Fault|Failure|Rejected|Exceeded|Unavailable|NotFound|Invalid)$/;
const MAX_CARRIERS = 3;
/** A class raised in more places than this is generic (a ValidationError): it does not say where. */
const MAX_CARRIER_RAISES = 3;

/**
 * An error code is often a property of an error class (`code = "E_X"` in `class XError`), and the
 * code then appears only there: the places that raise the class are where the error comes from,
 * though the pasted text never names it. Records those throws.
 */
async function recordCarrierThrows(index: RepositoryIndex, codes: readonly string[], identifiers: readonly string[], sites: ReadonlyMap<string, Site>, record: (site: Site) => void): Promise<void> {
  const carriers = new Set<string>();
  for (const site of sites.values()) {
    if (!codes.includes(site.term) || carriers.size >= MAX_CARRIERS) continue;
    const symbol = index.enclosingSymbol(site.path, site.line);
    const owner = symbol?.kind === "class" ? symbol.name : symbol?.container;
    if (owner && ERROR_CLASS_NAME.test(owner) && !identifiers.includes(owner)) carriers.add(owner);
  }
  if (carriers.size === 0) return;
  const hits = index.search([...carriers].join(" "), CANDIDATE_CHUNKS, new Set(["code"]));
  const raises = new Map<string, Site[]>([...carriers].map((carrier) => [carrier, []]));
  for (const { chunk } of hits) {
    if (isTestPath(chunk.path)) continue;
    const lines = await index.fileLines(chunk.path);
    if (!lines) continue;
    for (let line = chunk.startLine; line <= chunk.endLine && line <= lines.length; line++) {
      const text = lines[line - 1]!;
      for (const carrier of carriers) {
        if (new RegExp(`\\b${carrier}\\b`).test(text) && classify(text, carrier) === "throw") raises.get(carrier)!.push({ path: chunk.path, line, role: "carrier", term: carrier, score: ROLE_SCORE.carrier });
      }
    }
  }
  for (const found of raises.values()) {
    const distinct = [...new Map(found.map((site) => [`${site.path}:${site.line}`, site])).values()];
    if (distinct.length <= MAX_CARRIER_RAISES) distinct.forEach(record);
  }
}

export const searchErrors = defineTool({
  name: "search_errors",
  description:
    "Finds where an error is defined or raised in the repository, from an error message, an error class (`RateLimitError`) or an error code (`E_RATE_LIMITED`, `ERR_X`, `ECONNREFUSED`). " +
    "Paste the error line as it was seen; values such as ids and numbers are ignored. Returns the defining and throwing lines with context.",
  schema: z.object({ text: z.string().trim().min(1, "text must not be empty").max(20_000) }).strict(),
  async run(index, { text }) {
    const signals = extractErrorSignals(text);
    const sites = await findSites(index, signals, text);
    const evidence: Evidence[] = [];
    const covered: Array<{ path: string; start: number; end: number }> = [];
    for (const site of sites) {
      if (evidence.length >= MAX_SITES) break;
      if (covered.some((c) => c.path === site.path && site.line >= c.start && site.line <= c.end)) continue;
      const lines = (await index.fileLines(site.path)) ?? [];
      const startLine = Math.max(1, site.line - CONTEXT);
      const endLine = Math.min(lines.length, site.line + CONTEXT);
      covered.push({ path: site.path, start: startLine, end: endLine });
      const symbol = index.enclosingSymbol(site.path, site.line);
      evidence.push({
        path: site.path,
        startLine,
        endLine,
        text: boundText(lines.slice(startLine - 1, endLine).join("\n")),
        score: Math.round(site.score * 1000) / 1000,
        kind: "error_site",
        ...(symbol ? { symbol: symbol.container ? `${symbol.container}.${symbol.name}` : symbol.name } : {}),
      });
    }
    return {
      evidence,
      details: { signals, sites: sites.slice(0, 20).map(({ path, line, role, term }) => ({ path, line, role, term })) },
    };
  },
});
