import { createHash } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";

/**
 * On-disk cache for model calls, so re-running a benchmark (or resuming one) does not pay twice
 * for the same prompt. The key includes the repeat index on purpose: repeats exist to sample the
 * model's variance, and a shared cache entry would make every repeat identical.
 *
 * Values are JSON. Errors are never cached: `getOrCompute` stores only successful results,
 * and `set` refuses Error objects, so a transient failure is retried on the next run.
 */
export interface ModelCallKey {
  model: string;
  /** Chat messages or a plain prompt; anything JSON-serialisable. */
  messages?: unknown;
  prompt?: unknown;
  repeat: number;
}

export interface ModelCallCache {
  readonly enabled: boolean;
  get<T = unknown>(key: ModelCallKey): Promise<T | undefined>;
  set(key: ModelCallKey, value: unknown): Promise<void>;
  getOrCompute<T>(key: ModelCallKey, compute: () => Promise<T>): Promise<T>;
}

/** JSON with object keys sorted, so logically equal keys hash equally whatever their key order. */
export function stableStringify(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) => {
    if (inner && typeof inner === "object" && !Array.isArray(inner)) {
      return Object.fromEntries(Object.entries(inner as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    return inner;
  });
}

export function modelCacheKey(key: ModelCallKey): string {
  const material = { model: key.model, messages: key.messages ?? null, prompt: key.prompt ?? null, repeat: key.repeat };
  return createHash("sha256").update(stableStringify(material)).digest("hex");
}

export const DEFAULT_MODEL_CACHE_DIR = ".cache/model-calls";

export class DiskModelCache implements ModelCallCache {
  readonly enabled = true;
  constructor(readonly directory: string = DEFAULT_MODEL_CACHE_DIR) {}

  private fileFor(hash: string): string {
    // Two-level fan-out keeps directories small on long benchmarks.
    return join(this.directory, hash.slice(0, 2), `${hash}.json`);
  }

  async get<T = unknown>(key: ModelCallKey): Promise<T | undefined> {
    let text: string;
    try {
      text = await readFile(this.fileFor(modelCacheKey(key)), "utf8");
    } catch {
      return undefined;
    }
    try {
      return (JSON.parse(text) as { value: T }).value;
    } catch {
      return undefined; // a torn write from a killed process: treat as a miss, it will be rewritten
    }
  }

  async set(key: ModelCallKey, value: unknown): Promise<void> {
    if (value instanceof Error) throw new TypeError("model cache: errors are never cached");
    if (value === undefined) throw new TypeError("model cache: undefined is not a JSON value");
    const file = this.fileFor(modelCacheKey(key));
    await mkdir(dirname(file), { recursive: true });
    // Write then rename: readers never see half a file, concurrent writers of one key both succeed.
    const temporary = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    await writeFile(temporary, JSON.stringify({ model: key.model, repeat: key.repeat, value }));
    await rename(temporary, file);
  }

  async getOrCompute<T>(key: ModelCallKey, compute: () => Promise<T>): Promise<T> {
    const hit = await this.get<T>(key);
    if (hit !== undefined) return hit;
    const value = await compute(); // a throw propagates and nothing is stored
    await this.set(key, value);
    return value;
  }
}

/** The `--no-cache` cache: always misses, stores nothing. */
export class DisabledModelCache implements ModelCallCache {
  readonly enabled = false;
  async get<T = unknown>(): Promise<T | undefined> {
    return undefined;
  }
  async set(): Promise<void> {}
  async getOrCompute<T>(_key: ModelCallKey, compute: () => Promise<T>): Promise<T> {
    return compute();
  }
}

export function createModelCache(options: { noCache: boolean; directory?: string }): ModelCallCache {
  return options.noCache ? new DisabledModelCache() : new DiskModelCache(options.directory);
}
