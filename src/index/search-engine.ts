import MiniSearch, { type AsPlainObject, type Options } from "minisearch";
import { normalizeTerm } from "./terms.js";
import { tokenizeCode } from "./tokenize.js";

export { indexTerms, normalizeTerm } from "./terms.js";

/**
 * BM25 ranking over code-aware tokens (MiniSearch scores with BM25+). Symbol names, headings and
 * paths weigh more than body text: a query naming a symbol or a file should find it first.
 * The engine also keeps each term's document frequency, which answer composition uses to tell
 * informative question words from common ones.
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

export interface SearchSnapshot {
  index: AsPlainObject;
  documentFrequency: Array<[string, number]>;
}

const FIELD_BOOSTS = { name: 3, path: 2, text: 1 } as const;
/** Most document-frequency (≈ postings scored) one query may spend; see SearchEngine.withinBudget. */
const QUERY_POSTINGS_BUDGET = 15_000;

export class SearchEngine {
  private readonly engine: MiniSearch<SearchDocument>;
  private readonly documentFrequency: Map<string, number>;

  private constructor(snapshot?: SearchSnapshot) {
    this.documentFrequency = new Map(snapshot?.documentFrequency ?? []);
    const options: Options<SearchDocument> = {
      fields: ["path", "name", "text"],
      storeFields: [],
      tokenize: (text, field) => {
        const tokens = tokenizeCode(text);
        if (field === "text") this.countDocumentTerms(tokens);
        return tokens;
      },
      processTerm: (term) => normalizeTerm(term),
      searchOptions: {
        boost: FIELD_BOOSTS,
        tokenize: (query) => tokenizeCode(query, true),
        processTerm: (term) => normalizeTerm(term),
      },
    };
    this.engine = snapshot ? MiniSearch.loadJS(snapshot.index, options) : new MiniSearch(options);
  }

  static empty(): SearchEngine {
    return new SearchEngine();
  }

  static fromSnapshot(snapshot: SearchSnapshot): SearchEngine {
    return new SearchEngine(snapshot);
  }

  private countDocumentTerms(tokens: readonly string[]): void {
    for (const term of new Set(tokens.map(normalizeTerm))) this.documentFrequency.set(term, (this.documentFrequency.get(term) ?? 0) + 1);
  }

  snapshot(): SearchSnapshot {
    return { index: this.engine.toJSON(), documentFrequency: [...this.documentFrequency] };
  }

  add(documents: readonly SearchDocument[]): void {
    this.engine.addAll(documents);
  }

  /** Discarded documents keep counting in document frequencies: a small, harmless overestimate. */
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

  /** Inverse document frequency of a normalized term (BM25's form); unseen terms get the highest. */
  inverseDocumentFrequency(term: string): number {
    const n = Math.max(1, this.engine.documentCount);
    const df = this.documentFrequency.get(term) ?? 0;
    return Math.log(1 + (n - df + 0.5) / (df + 0.5));
  }

  documentFrequencyOf(term: string): number {
    return this.documentFrequency.get(term) ?? 0;
  }

  /**
   * Bounds the work of one query: MiniSearch scores and sorts every document a query word matches,
   * so a few very common words ("node", "value" in a compiler) cost most of the search time in a
   * large repository while adding little to BM25. Words are taken rarest first until their document
   * frequencies add up to the budget; the two rarest are always kept. In a small repository every
   * query fits the budget and nothing is dropped.
   */
  private withinBudget(query: string): string {
    const tokens = [...new Set(tokenizeCode(query, true))];
    const withFrequency = tokens.map((token) => ({ token, df: this.documentFrequency.get(normalizeTerm(token)) ?? 0 }));
    const total = withFrequency.reduce((sum, t) => sum + t.df, 0);
    if (total <= QUERY_POSTINGS_BUDGET) return query;
    withFrequency.sort((a, b) => a.df - b.df);
    const kept: string[] = [];
    let spent = 0;
    for (const { token, df } of withFrequency) {
      if (kept.length >= 2 && spent + df > QUERY_POSTINGS_BUDGET) continue;
      kept.push(token);
      spent += df;
    }
    return kept.join(" ");
  }

  /** Best-first hits; `accept` filters by document id before the top-k cut; `boostTerm` weighs query terms. */
  search(query: string, k: number, accept?: (id: number) => boolean, boostTerm?: (term: string) => number): SearchHit[] {
    if (!query.trim()) return [];
    const results = this.engine.search(this.withinBudget(query), {
      ...(accept ? { filter: (r) => accept(r.id as number) } : {}),
      ...(boostTerm ? { boostTerm: (term: string) => boostTerm(term) } : {}),
    });
    return results.slice(0, k).map((r) => ({ id: r.id as number, score: r.score }));
  }
}

/** The two collections searched separately, so each has its own term statistics. */
export type Collection = "source" | "docs";
export type Vocabulary = Collection | "all";

export interface CollectionsSnapshot {
  source: SearchSnapshot;
  docs: SearchSnapshot;
}

export const collectionOf = (category: "code" | "doc" | "text"): Collection => (category === "doc" ? "docs" : "source");

/**
 * Source (code, configuration, logs) and documentation in separate BM25 engines: a word that is
 * everywhere in the code ("test" in a project with thousands of tests) can still be rare, and
 * telling, in the documentation, and the other way round.
 */
export class SearchCollections {
  private constructor(private readonly engines: Record<Collection, SearchEngine>) {}

  static empty(): SearchCollections {
    return new SearchCollections({ source: SearchEngine.empty(), docs: SearchEngine.empty() });
  }

  static fromSnapshot(snapshot: CollectionsSnapshot): SearchCollections {
    return new SearchCollections({ source: SearchEngine.fromSnapshot(snapshot.source), docs: SearchEngine.fromSnapshot(snapshot.docs) });
  }

  snapshot(): CollectionsSnapshot {
    return { source: this.engines.source.snapshot(), docs: this.engines.docs.snapshot() };
  }

  add(collection: Collection, documents: readonly SearchDocument[]): void {
    this.engines[collection].add(documents);
  }

  discard(collection: Collection, ids: Iterable<number>): void {
    this.engines[collection].discard(ids);
  }

  async vacuum(): Promise<void> {
    await Promise.all([this.engines.source.vacuum(), this.engines.docs.vacuum()]);
  }

  /**
   * Best-first hits from the given collections. Hits from two collections are merged on their
   * score relative to each collection's best hit, since raw BM25 scores do not compare across them.
   */
  search(query: string, k: number, collections: readonly Collection[], accept?: (id: number) => boolean, boostTerm?: (term: string) => number): SearchHit[] {
    if (collections.length === 1) return this.engines[collections[0]!].search(query, k, accept, boostTerm);
    return collections
      .flatMap((collection) => {
        const hits = this.engines[collection].search(query, k, accept, boostTerm);
        const top = hits[0]?.score ?? 1;
        return hits.map((hit) => ({ id: hit.id, score: hit.score / top }));
      })
      .sort((a, b) => b.score - a.score)
      .slice(0, k);
  }

  inverseDocumentFrequency(term: string, vocabulary: Vocabulary): number {
    if (vocabulary !== "all") return this.engines[vocabulary].inverseDocumentFrequency(term);
    const n = Math.max(1, this.engines.source.size + this.engines.docs.size);
    const df = this.documentFrequencyOf(term);
    return Math.log(1 + (n - df + 0.5) / (df + 0.5));
  }

  documentFrequencyOf(term: string, vocabulary: Vocabulary = "all"): number {
    if (vocabulary !== "all") return this.engines[vocabulary].documentFrequencyOf(term);
    return this.engines.source.documentFrequencyOf(term) + this.engines.docs.documentFrequencyOf(term);
  }
}
