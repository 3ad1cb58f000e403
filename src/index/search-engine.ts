import MiniSearch, { type AsPlainObject, type Options } from "minisearch";
import { stemmer } from "stemmer";
import { tokenizeCode } from "./tokenize.js";

/**
 * BM25 ranking over code-aware tokens (MiniSearch scores with BM25+). Symbol names, headings and
 * paths weigh more than body text: a query naming a symbol or a file should find it first.
 */

export interface SearchDocument {
  id: number;
  path: string;
  /** Symbol name with its container (`Queue.retry`), or a doc section's heading path. */
  name: string;
  text: string;
}

export interface SearchHit {
  id: number;
  score: number;
}

const FIELD_BOOSTS = { name: 3, path: 2, text: 1 } as const;

/** Stems plain words so "retries" finds "retry"; identifiers with digits or separators stay whole. */
const stems = new Map<string, string>();
function normalizeTerm(term: string): string {
  if (term.length <= 3 || !/^[a-z]+$/.test(term)) return term;
  let stem = stems.get(term);
  if (stem === undefined) {
    if (stems.size > 200_000) stems.clear(); // vocabularies are bounded in practice; this bounds memory anyway
    stem = stemmer(term);
    stems.set(term, stem);
  }
  return stem;
}

const OPTIONS: Options<SearchDocument> = {
  fields: ["path", "name", "text"],
  storeFields: [],
  tokenize: (text) => tokenizeCode(text),
  processTerm: (term) => normalizeTerm(term),
  searchOptions: {
    boost: FIELD_BOOSTS,
    tokenize: (query) => tokenizeCode(query, true),
    processTerm: (term) => normalizeTerm(term),
  },
};

export class SearchEngine {
  private constructor(private readonly engine: MiniSearch<SearchDocument>) {}

  static empty(): SearchEngine {
    return new SearchEngine(new MiniSearch(OPTIONS));
  }

  static fromSnapshot(snapshot: AsPlainObject): SearchEngine {
    return new SearchEngine(MiniSearch.loadJS(snapshot, OPTIONS));
  }

  snapshot(): AsPlainObject {
    return this.engine.toJSON();
  }

  add(documents: readonly SearchDocument[]): void {
    this.engine.addAll(documents);
  }

  discard(ids: Iterable<number>): void {
    for (const id of ids) this.engine.discard(id);
  }

  /** Removes discarded documents from the postings; call before taking a snapshot. */
  async vacuum(): Promise<void> {
    if (this.engine.dirtCount > 0) await this.engine.vacuum();
  }

  get size(): number {
    return this.engine.documentCount;
  }

  /** Best-first hits; `accept` filters by document id before the top-k cut. */
  search(query: string, k: number, accept?: (id: number) => boolean): SearchHit[] {
    if (!query.trim()) return [];
    const results = this.engine.search(query, accept ? { filter: (r) => accept(r.id as number) } : {});
    return results.slice(0, k).map((r) => ({ id: r.id as number, score: r.score }));
  }
}
