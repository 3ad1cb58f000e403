import { z } from "zod";
import type { Evidence } from "../contract.js";
import { asksAboutTests, asksAboutTypes, isDeclarationPath, isTestPath } from "../index/path-kinds.js";
import type { ChunkHit, RepositoryIndex } from "../index/repository-index.js";
import { boundedEndLine, boundText, defineTool, round } from "./tool.js";

export const SearchQuerySchema = z
  .object({
    query: z.string().trim().min(1, "query must not be empty").max(2000),
    k: z.number().int().min(1).max(30).default(8),
  })
  .strict();

const CODE_CATEGORIES = new Set(["code", "text"] as const);
const DOC_CATEGORIES = new Set(["doc"] as const);

/**
 * Tests repeat the vocabulary of the code they test, and type declarations repeat its names, so
 * both crowd out the implementation for a question about behaviour. They rank lower unless the
 * query is about tests or types.
 */
const TEST_PENALTY = 0.6;
const DECLARATION_PENALTY = 0.7;

export async function searchChunks(
  index: RepositoryIndex,
  query: string,
  k: number,
  categories: ReadonlySet<"code" | "doc" | "text">,
): Promise<Evidence[]> {
  const penalizeTests = !asksAboutTests(query);
  const penalizeDeclarations = !asksAboutTypes(query);
  const weight = (path: string) =>
    (penalizeTests && isTestPath(path) ? TEST_PENALTY : 1) * (penalizeDeclarations && isDeclarationPath(path) ? DECLARATION_PENALTY : 1);
  const rank = (hits: ChunkHit[]) =>
    hits
      .map((hit) => ({ ...hit, score: hit.score * weight(hit.chunk.path) }))
      .sort((a, b) => b.score - a.score)
      .slice(0, k);
  const hits = rank(index.search(query, k * 3, categories));
  return Promise.all(
    hits.map(async ({ chunk, score }) => {
      const text = boundText(await index.chunkText(chunk));
      return {
        path: chunk.path,
        startLine: chunk.startLine,
        endLine: boundedEndLine(chunk.startLine, chunk.endLine, text),
        text,
        score: round(score),
        kind: chunk.category === "doc" ? "doc" : chunk.category === "code" ? "code" : "text",
        ...(chunk.symbol ? { symbol: chunk.title ?? chunk.symbol } : {}),
      } satisfies Evidence;
    }),
  );
}

export const searchCode = defineTool({
  name: "search_code",
  description:
    "Full-text search (BM25) over the repository's source code, configuration and other non-documentation files, chunked by function, class and method. " +
    "Use identifiers, error codes, file names or a few descriptive words. Returns the best-matching chunks with their path and line range.",
  schema: SearchQuerySchema,
  run: async (index, { query, k }) => ({ evidence: await searchChunks(index, query, k, CODE_CATEGORIES) }),
});

export const searchDocs = defineTool({
  name: "search_docs",
  description:
    "Full-text search (BM25) over the repository's documentation (Markdown, reStructuredText, text files), chunked by heading section. " +
    "Use it for how to install, configure, deploy or use the project. Returns the best-matching sections with their path and line range.",
  schema: SearchQuerySchema.extend({ k: z.number().int().min(1).max(30).default(5) }),
  run: async (index, { query, k }) => ({ evidence: await searchChunks(index, query, k, DOC_CATEGORIES) }),
});
