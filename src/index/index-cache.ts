import { createHash } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { deserialize, serialize } from "node:v8";
import type { Chunk } from "./chunk.js";
import type { CollectionsSnapshot } from "./search-engine.js";
import type { ExtractedSymbol } from "./treesitter.js";

/**
 * The on-disk index cache: per-file analysis keyed by content hash, plus the serialized search index.
 * v8 serialization is used because it round-trips the search index several times faster than JSON.
 */

export const CACHE_FORMAT = 7;

/** Chunk ranges without their text: the text is re-sliced from the file on load. */
export type ChunkRange = Omit<Chunk, "path" | "text"> & { id: number };

/** What a file looked like when it was analysed; an unchanged stat skips re-reading it (as git does). */
export interface FileStamp {
  size: number;
  mtimeMs: number;
}

export interface CachedFile extends FileStamp {
  hash: string;
  lineCount: number;
  category: Chunk["category"];
  language: string;
  imports: string[];
  symbols: ExtractedSymbol[];
  chunks: ChunkRange[];
}

export interface IndexSnapshot {
  format: number;
  root: string;
  nextChunkId: number;
  files: Record<string, CachedFile>;
  /** Files found binary, minified or of an unknown type, so a warm start does not read them again. */
  skipped: Record<string, FileStamp>;
  search: CollectionsSnapshot;
}

export function cacheFileFor(cacheDirectory: string, root: string): string {
  const key = createHash("sha1").update(root).digest("hex").slice(0, 16);
  return path.join(cacheDirectory, `${key}.v${CACHE_FORMAT}.bin`);
}

export async function loadSnapshot(file: string, root: string): Promise<IndexSnapshot | undefined> {
  try {
    const snapshot = deserialize(await readFile(file)) as IndexSnapshot;
    if (snapshot.format !== CACHE_FORMAT || snapshot.root !== root) return undefined;
    return snapshot;
  } catch {
    return undefined; // missing or unreadable cache: rebuild
  }
}

export async function saveSnapshot(file: string, snapshot: IndexSnapshot): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, serialize(snapshot));
  await rename(temporary, file); // atomic: a crash mid-write never leaves a torn cache
}
