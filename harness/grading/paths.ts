/** Repository-relative path normalisation shared by every grader, so "./src/a.ts" and "src/a.ts" agree. */
export function normalizePath(path: string): string {
  return path.trim().replace(/\\/g, "/").replace(/^(?:\.\/)+/, "").replace(/\/{2,}/g, "/");
}

/**
 * An evidence path matches an expected file when equal after normalisation; an expected entry
 * ending in "/" names a directory and matches every path under it.
 */
export function matchesExpected(path: string, expected: string): boolean {
  const candidate = normalizePath(path);
  const target = normalizePath(expected);
  return target.endsWith("/") ? candidate.startsWith(target) : candidate === target;
}

export function matchesAnyExpected(path: string, expectedFiles: readonly string[]): boolean {
  return expectedFiles.some((expected) => matchesExpected(path, expected));
}

/** A claimed path may be a suffix of the real one ("retry.ts" for "src/net/retry.ts"). */
export function pathRefersTo(claimed: string, actual: string): boolean {
  const c = normalizePath(claimed);
  const a = normalizePath(actual);
  return a === c || a.endsWith(`/${c}`);
}
