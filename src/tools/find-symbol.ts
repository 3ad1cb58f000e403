import { z } from "zod";
import type { Evidence } from "../contract.js";
import { isTestPath } from "../index/path-kinds.js";
import type { RepositoryIndex, SymbolRecord } from "../index/repository-index.js";
import { tokenizeCode } from "../index/tokenize.js";
import { boundedEndLine, boundText, defineTool } from "./tool.js";

const MAX_SYMBOLS = 10;

/** Exact matches first (name, or Container.name), then names that contain every part of the query. */
export function lookupSymbols(index: RepositoryIndex, name: string): SymbolRecord[] {
  const wanted = name.trim().replace(/\(\)$/, "");
  const dot = wanted.lastIndexOf(".");
  const [container, member] = dot > 0 ? [wanted.slice(0, dot).split(".").pop()!, wanted.slice(dot + 1)] : [undefined, wanted];
  const named = index.symbolsByName.get(member.toLowerCase()) ?? [];
  // `Parser.parse` may name a subclass or a mixin: prefer the named container, accept any.
  const inContainer = container ? named.filter((s) => s.container?.toLowerCase() === container.toLowerCase()) : named;
  const exact = inContainer.length > 0 ? inContainer : named;
  if (exact.length > 0) return rankExact(exact, member).slice(0, MAX_SYMBOLS);

  const parts = tokenizeCode(wanted).filter((t) => t.length > 1);
  const needle = wanted.toLowerCase();
  if (parts.length === 0) return [];
  const scored: Array<{ symbol: SymbolRecord; score: number }> = [];
  for (const [key, symbols] of index.symbolsByName) {
    const containsAll = parts.every((part) => key.includes(part));
    if (!containsAll && !key.includes(needle)) continue;
    // Shorter names closer to the query rank first.
    const score = needle.length / key.length;
    for (const symbol of symbols) scored.push({ symbol, score });
  }
  return scored
    .sort((a, b) => b.score - a.score || definitionRank(a.symbol) - definitionRank(b.symbol))
    .slice(0, MAX_SYMBOLS)
    .map((s) => s.symbol);
}

/** Definitions in source beat tests and examples; exported beats private. */
function definitionRank(symbol: SymbolRecord): number {
  return (isTestPath(symbol.path) ? 2 : 0) + (symbol.exported ? 0 : 1);
}

function rankExact(symbols: SymbolRecord[], name: string): SymbolRecord[] {
  return [...symbols].sort(
    (a, b) => Number(b.name === name) - Number(a.name === name) || definitionRank(a) - definitionRank(b) || a.path.localeCompare(b.path),
  );
}

export const findSymbol = defineTool({
  name: "find_symbol",
  description:
    "Finds where a function, class, method, interface, type, enum or constant is defined, by name (`parseConfig`, `Queue.retry`, `MAX_RETRIES`). " +
    "Exact names first, then names containing the words given. Returns each definition's source with path and line range.",
  schema: z.object({ name: z.string().trim().min(1, "name must not be empty").max(200) }).strict(),
  async run(index, { name }) {
    const symbols = lookupSymbols(index, name);
    const evidence = await Promise.all(
      symbols.map(async (symbol, rank): Promise<Evidence> => {
        const text = boundText(await index.chunkText(symbol));
        return {
          path: symbol.path,
          startLine: symbol.startLine,
          endLine: boundedEndLine(symbol.startLine, symbol.endLine, text),
          text,
          score: 1 / (rank + 1),
          kind: "symbol",
          symbol: symbol.container ? `${symbol.container}.${symbol.name}` : symbol.name,
        };
      }),
    );
    return {
      evidence,
      details: { matches: symbols.map(({ name: n, kind, path, startLine, endLine, container }) => ({ name: n, kind, path, startLine, endLine, container })) },
    };
  },
});
