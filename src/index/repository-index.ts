import { createHash } from "node:crypto";
import { readFile, realpath, stat } from "node:fs/promises";
import { readFileSync } from "node:fs";
import { LRUCache } from "lru-cache";
import { analyzeFile, type Chunk } from "./chunk.js";
import {
  CACHE_FORMAT,
  cacheFileFor,
  loadSnapshot,
  saveSnapshot,
  type CachedFile,
  type FileStamp,
  type IndexSnapshot,
} from "./index-cache.js";
import { fileTypeOf, type FileType, type GrammarLanguage } from "./languages.js";
import { collectionOf, SearchCollections, type Collection, type SearchDocument, type Vocabulary } from "./search-engine.js";
import { assertRealPathInside } from "./safe-path.js";
import { redactSecrets } from "./secrets.js";
import { prepareGrammars, type ExtractedSymbol } from "./treesitter.js";
import { walkRepository, type WalkStats, type WalkedFile } from "./walk.js";

export interface IndexedFile {
  path: string;
  hash: string;
  size: number;
  category: Chunk["category"];
  language: string;
  imports: readonly string[];
  lineCount: number;
}

export interface SymbolRecord extends ExtractedSymbol {
  path: string;
  language: string;
}

export interface StoredChunk extends Omit<Chunk, "text"> {
  id: number;
}

export interface ChunkHit {
  chunk: StoredChunk;
  score: number;
}

export interface IndexStats extends WalkStats {
  files: number;
  chunks: number;
  symbols: number;
  /** Files parsed in this build; the rest came from the cache. */
  analysed: number;
  fromCache: number;
  skippedBinary: number;
  skippedMinified: number;
  buildMs: number;
}

export interface BuildOptions {
  root: string;
  /** Where the index cache lives; no cache when undefined. */
  cacheDirectory?: string;
  extraIgnore?: readonly string[];
  /** Called as files are analysed: (done, total). */
  onProgress?: (done: number, total: number) => void;
}

const BINARY_PROBE_BYTES = 8000;
const MINIFIED_LINE_LENGTH = 2000;
const MINIFIED_AVERAGE_LINE_LENGTH = 300;
const PROGRESS_EVERY = 500;
/** Files whose lines are kept in memory after a read; the rest are re-read on demand. */
const OPEN_FILES = 2000;

const SHEBANG_TYPES: Array<[RegExp, FileType]> = [
  [/\bpython[0-9.]*\b/, { category: "code", language: "python", grammar: "python" }],
  [/\b(node|deno|bun|tsx|ts-node)\b/, { category: "code", language: "javascript", grammar: "javascript" }],
  [/\bruby\b/, { category: "code", language: "ruby", grammar: "ruby" }],
  [/\b(bash|sh|zsh)\b/, { category: "code", language: "shell" }],
];

/** The type of a file: by name, else by shebang; extensionless files are plain text. */
function resolveFileType(relativePath: string, text: string): FileType | undefined {
  const byName = fileTypeOf(relativePath);
  if (byName) return byName;
  if (text.startsWith("#!")) {
    const shebang = text.slice(0, Math.max(0, text.indexOf("\n")));
    for (const [pattern, type] of SHEBANG_TYPES) if (pattern.test(shebang)) return type;
  }
  const base = relativePath.slice(relativePath.lastIndexOf("/") + 1);
  return base.lastIndexOf(".") > 0 ? undefined : { category: "text", language: "text" };
}

function looksMinified(lines: readonly string[], size: number): boolean {
  if (lines.some((line) => line.length > MINIFIED_LINE_LENGTH)) return true;
  return size > 2048 && size / Math.max(1, lines.length) > MINIFIED_AVERAGE_LINE_LENGTH;
}

function splitLines(text: string): string[] {
  const lines = text.split(/\r?\n/);
  if (lines.length > 1 && lines[lines.length - 1] === "") lines.pop();
  return lines;
}

function sliceText(lines: readonly string[], startLine: number, endLine: number): string {
  return lines.slice(startLine - 1, endLine).join("\n");
}

/** Reads a file as the index sees it: redacted and split into lines. */
function toIndexedLines(buffer: Buffer): string[] {
  return splitLines(redactSecrets(buffer.toString("utf8")));
}

const sameStamp = (a: FileStamp | undefined, b: FileStamp) => !!a && a.size === b.size && a.mtimeMs === b.mtimeMs;

/**
 * An index of one repository: files, chunks, symbols, imports and a BM25 search engine.
 * Every text it returns is redacted; every path is POSIX and relative to the root.
 */
export class RepositoryIndex {
  readonly symbolsByName = new Map<string, SymbolRecord[]>();
  private readonly symbolsByPath = new Map<string, SymbolRecord[]>();

  constructor(
    readonly root: string,
    readonly version: string,
    readonly files: ReadonlyMap<string, IndexedFile>,
    readonly chunks: ReadonlyMap<number, StoredChunk>,
    readonly symbols: readonly SymbolRecord[],
    private readonly engine: SearchCollections,
    readonly stats: IndexStats,
    private readonly openFiles: LRUCache<string, readonly string[]> = new LRUCache({ max: OPEN_FILES }),
  ) {
    for (const symbol of symbols) {
      const byName = this.symbolsByName.get(symbol.name.toLowerCase());
      if (byName) byName.push(symbol);
      else this.symbolsByName.set(symbol.name.toLowerCase(), [symbol]);
      const byPath = this.symbolsByPath.get(symbol.path);
      if (byPath) byPath.push(symbol);
      else this.symbolsByPath.set(symbol.path, [symbol]);
    }
  }

  /** Redacted lines of an indexed file; undefined for a path that is not indexed. */
  async fileLines(path: string): Promise<readonly string[] | undefined> {
    if (!this.files.has(path)) return undefined;
    const open = this.openFiles.get(path);
    if (open) return open;
    // The file may have become a symbolic link since it was indexed: never follow one out of the root.
    const lines = toIndexedLines(await readFile(await assertRealPathInside(this.root, path)));
    this.openFiles.set(path, lines);
    return lines;
  }

  async chunkText(chunk: Pick<StoredChunk, "path" | "startLine" | "endLine">): Promise<string> {
    const lines = await this.fileLines(chunk.path);
    return lines ? sliceText(lines, chunk.startLine, chunk.endLine) : "";
  }

  /** BM25 search over chunks, optionally restricted to some categories. */
  search(query: string, k: number, categories?: ReadonlySet<Chunk["category"]>, boostTerm?: (term: string) => number): ChunkHit[] {
    const wanted = categories ?? new Set<Chunk["category"]>(["code", "doc", "text"]);
    const collections = [...new Set([...wanted].map(collectionOf))];
    // Code and text share a collection: filter when only one of them is wanted.
    const filter = wanted.has("code") !== wanted.has("text") ? (id: number) => wanted.has(this.chunks.get(id)?.category ?? "text") : undefined;
    return this.engine.search(query, k, collections, filter, boostTerm).flatMap((hit) => {
      const chunk = this.chunks.get(hit.id);
      return chunk ? [{ chunk, score: hit.score }] : [];
    });
  }

  /** How informative a normalized term is (BM25 IDF) in the source, the docs, or both; unseen terms score highest. */
  termWeight(term: string, vocabulary: Vocabulary = "all"): number {
    return this.engine.inverseDocumentFrequency(term, vocabulary);
  }

  /** In how many chunks a normalized term occurs; 0 when the repository never uses it. */
  termFrequency(term: string, vocabulary: Vocabulary = "all"): number {
    return this.engine.documentFrequencyOf(term, vocabulary);
  }

  symbolsIn(path: string): readonly SymbolRecord[] {
    return this.symbolsByPath.get(path) ?? [];
  }

  /** The innermost symbol of a file that encloses a line. */
  enclosingSymbol(path: string, line: number): SymbolRecord | undefined {
    let best: SymbolRecord | undefined;
    for (const symbol of this.symbolsIn(path)) {
      if (symbol.startLine > line || symbol.endLine < line) continue;
      if (!best || symbol.endLine - symbol.startLine < best.endLine - best.startLine) best = symbol;
    }
    return best;
  }
}

interface ReadFile {
  walked: WalkedFile;
  hash: string;
  lines: string[];
  type: FileType;
}

type ReadOutcome = { kind: "indexable"; file: ReadFile } | { kind: "skipped"; reason: "binary" | "minified" | "unknown" } | { kind: "gone" };

function readForIndex(walked: WalkedFile): ReadOutcome {
  let buffer: Buffer;
  try {
    // Synchronous reads of small files are several times faster than the thread pool; the build
    // yields to the event loop between batches so health checks keep answering.
    buffer = readFileSync(walked.absolutePath);
  } catch {
    return { kind: "gone" };
  }
  if (buffer.subarray(0, BINARY_PROBE_BYTES).includes(0)) return { kind: "skipped", reason: "binary" };
  const text = buffer.toString("utf8");
  const type = resolveFileType(walked.path, text);
  if (!type) return { kind: "skipped", reason: "unknown" };
  const lines = splitLines(redactSecrets(text));
  if (looksMinified(lines, walked.size)) return { kind: "skipped", reason: "minified" };
  return { kind: "indexable", file: { walked, hash: createHash("sha1").update(buffer).digest("hex"), lines, type } };
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Builds the index. A file whose size and mtime match the cache is not read at all; a file whose
 * content hash matches is not parsed again; only new and changed files are analysed, and the cached
 * search index is patched rather than rebuilt.
 */
export async function buildRepositoryIndex(options: BuildOptions): Promise<RepositoryIndex> {
  const started = performance.now();
  const root = await realpath(options.root).catch(() => {
    throw new Error(`repository path ${options.root} does not exist`);
  });
  if (!(await stat(root)).isDirectory()) throw new Error(`repository path ${options.root} is not a directory`);
  const walk = await walkRepository(root, { extraIgnore: options.extraIgnore ?? [] });
  const stats: IndexStats = { ...walk.stats, files: 0, chunks: 0, symbols: 0, analysed: 0, fromCache: 0, skippedBinary: 0, skippedMinified: 0, buildMs: 0 };
  const cacheFile = options.cacheDirectory ? cacheFileFor(options.cacheDirectory, root) : undefined;
  const snapshot = cacheFile ? await loadSnapshot(cacheFile, root) : undefined;
  const previous = snapshot?.files ?? {};
  const previousSkipped = snapshot?.skipped ?? {};
  const engine = snapshot ? SearchCollections.fromSnapshot(snapshot.search) : SearchCollections.empty();
  let nextChunkId = snapshot?.nextChunkId ?? 1;

  const indexed: Record<string, CachedFile> = {};
  const skipped: Record<string, FileStamp> = {};
  const openFiles = new LRUCache<string, readonly string[]>({ max: OPEN_FILES });
  const stampOf = (walked: WalkedFile): FileStamp => ({ size: walked.size, mtimeMs: walked.mtimeMs });
  let changedFiles = 0;

  // Documents go to the engine in batches, so their text can be collected as the build goes.
  const documents: Record<Collection, SearchDocument[]> = { source: [], docs: [] };
  const flushDocuments = () => {
    for (const collection of ["source", "docs"] as const) {
      engine.add(collection, documents[collection]);
      documents[collection].length = 0;
    }
  };

  async function analyse(file: ReadFile): Promise<CachedFile> {
    if (file.type.grammar) await prepareGrammars([file.type.grammar]);
    const analysis = analyzeFile(file.walked.path, file.lines, file.type);
    const chunks = analysis.chunks.map(({ path, text, ...range }) => {
      const id = nextChunkId++;
      documents[collectionOf(range.category)].push({ id, path, name: range.title ?? range.symbol ?? "", text });
      return { ...range, id };
    });
    if (documents.source.length + documents.docs.length > 5000) flushDocuments();
    stats.analysed++;
    return {
      hash: file.hash,
      ...stampOf(file.walked),
      lineCount: file.lines.length,
      category: file.type.category,
      language: file.type.language,
      imports: analysis.imports,
      symbols: analysis.symbols,
      chunks,
    };
  }

  const total = walk.files.length;
  for (let i = 0; i < total; i++) {
    const walked = walk.files[i]!;
    const cached = previous[walked.path];
    if (sameStamp(cached, walked)) {
      indexed[walked.path] = cached!;
    } else if (sameStamp(previousSkipped[walked.path], walked)) {
      skipped[walked.path] = stampOf(walked);
    } else {
      const outcome = readForIndex(walked);
      if (outcome.kind === "indexable") {
        openFiles.set(walked.path, outcome.file.lines);
        if (cached && cached.hash === outcome.file.hash) {
          indexed[walked.path] = { ...cached, ...stampOf(walked) };
        } else {
          if (cached) engine.discard(collectionOf(cached.category), cached.chunks.map((chunk) => chunk.id));
          indexed[walked.path] = await analyse(outcome.file);
          changedFiles++;
        }
      } else if (outcome.kind === "skipped") {
        skipped[walked.path] = stampOf(walked);
        if (outcome.reason === "binary") stats.skippedBinary++;
        else if (outcome.reason === "minified") stats.skippedMinified++;
        else stats.ignored++;
      }
    }
    if ((i + 1) % PROGRESS_EVERY === 0) {
      options.onProgress?.(i + 1, total);
      await yieldToEventLoop();
    }
  }
  if (total >= PROGRESS_EVERY) options.onProgress?.(total, total);
  flushDocuments();

  const removed = Object.keys(previous).filter((path) => !indexed[path]);
  for (const path of removed) engine.discard(collectionOf(previous[path]!.category), previous[path]!.chunks.map((chunk) => chunk.id));
  stats.fromCache = Object.keys(indexed).length - stats.analysed;

  const files = new Map<string, IndexedFile>();
  const chunks = new Map<number, StoredChunk>();
  const symbols: SymbolRecord[] = [];
  for (const walked of walk.files) {
    const path = walked.path;
    const entry = indexed[path];
    if (!entry) continue;
    files.set(path, { path, hash: entry.hash, size: entry.size, category: entry.category, language: entry.language, imports: entry.imports, lineCount: entry.lineCount });
    for (const chunk of entry.chunks) chunks.set(chunk.id, { ...chunk, path });
    for (const symbol of entry.symbols) symbols.push({ ...symbol, path, language: entry.language });
  }

  const version = createHash("sha1")
    .update([...files.values()].map((f) => `${f.path}:${f.hash}`).join("\n"))
    .digest("hex")
    .slice(0, 12);
  const stampsMoved = Object.entries(indexed).some(([path, entry]) => entry !== previous[path]);
  if (cacheFile && (!snapshot || changedFiles > 0 || removed.length > 0 || stampsMoved)) {
    await engine.vacuum(); // drop discarded postings so the cache does not grow with every edit
    const next: IndexSnapshot = { format: CACHE_FORMAT, root, nextChunkId, files: indexed, skipped, search: engine.snapshot() };
    await saveSnapshot(cacheFile, next).catch(() => undefined); // a read-only cache directory only costs speed
  }

  Object.assign(stats, { files: files.size, chunks: chunks.size, symbols: symbols.length, buildMs: Math.round(performance.now() - started) });
  return new RepositoryIndex(root, version, files, chunks, symbols, engine, stats, openFiles);
}
