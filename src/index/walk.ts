import { lstatSync, readdirSync, readFileSync, type Dirent } from "node:fs";
import path from "node:path";
import ignore, { type Ignore } from "ignore";
import {
  DEFAULT_IGNORED_DIRECTORIES,
  DEFAULT_IGNORED_PATTERNS,
  MAX_INDEXED_FILE_BYTES,
  SECRET_FILE_PATTERNS,
} from "./ignore-rules.js";

export interface WalkedFile {
  /** POSIX path relative to the repository root. */
  path: string;
  absolutePath: string;
  size: number;
  mtimeMs: number;
}

export interface WalkStats {
  ignored: number;
  secret: number;
  tooLarge: number;
  symlinks: number;
}

export interface WalkResult {
  files: WalkedFile[];
  stats: WalkStats;
}

export interface WalkOptions {
  /** Extra gitignore-style patterns from configuration. */
  extraIgnore?: readonly string[];
}

/** A .gitignore applies to the directory that holds it and everything below. */
interface ScopedIgnore {
  base: string;
  rules: Ignore;
}

const secretRules = ignore().add(SECRET_FILE_PATTERNS);

/** True when a repository-relative path names a file that holds secrets by convention. */
export function isSecretPath(relativePath: string): boolean {
  return secretRules.ignores(relativePath);
}

function readGitignore(directory: string): Ignore | undefined {
  try {
    return ignore().add(readFileSync(path.join(directory, ".gitignore"), "utf8"));
  } catch {
    return undefined;
  }
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

function isIgnoredByScopes(scopes: readonly ScopedIgnore[], relativePath: string, isDirectory: boolean): boolean {
  for (const scope of scopes) {
    const local = scope.base === "" ? relativePath : relativePath.slice(scope.base.length + 1);
    if (scope.rules.ignores(isDirectory ? `${local}/` : local)) return true;
  }
  return false;
}

/**
 * Lists the files worth indexing: respects every .gitignore in the tree plus the default ignore list,
 * skips secret files and files over the size limit, and never follows symbolic links (a link could
 * lead outside the repository).
 */
export async function walkRepository(root: string, options: WalkOptions = {}): Promise<WalkResult> {
  const defaults = ignore()
    .add(DEFAULT_IGNORED_DIRECTORIES.map((d) => `${d}/`))
    .add(DEFAULT_IGNORED_PATTERNS)
    .add([...(options.extraIgnore ?? [])]);
  const stats: WalkStats = { ignored: 0, secret: 0, tooLarge: 0, symlinks: 0 };
  const files: WalkedFile[] = [];

  // Synchronous file-system calls are several times faster than the thread pool for many small
  // stats; the walk yields to the event loop every few directories so health checks keep answering.
  let directoriesSinceYield = 0;
  async function visit(relativeDir: string, scopes: ScopedIgnore[]): Promise<void> {
    if (++directoriesSinceYield >= 50) {
      directoriesSinceYield = 0;
      await yieldToEventLoop();
    }
    const absoluteDir = relativeDir ? path.join(root, relativeDir) : root;
    let entries: Dirent[];
    try {
      entries = readdirSync(absoluteDir, { withFileTypes: true });
    } catch {
      return; // unreadable directory: skip it rather than fail the whole index
    }
    const gitignore = entries.some((e) => e.name === ".gitignore" && e.isFile()) ? readGitignore(absoluteDir) : undefined;
    const activeScopes = gitignore ? [...scopes, { base: relativeDir, rules: gitignore }] : scopes;
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const subdirectories: string[] = [];
    for (const entry of entries) {
      const relativePath = relativeDir ? `${relativeDir}/${entry.name}` : entry.name;
      if (entry.isSymbolicLink()) {
        stats.symlinks++;
        continue;
      }
      const isDirectory = entry.isDirectory();
      if (!isDirectory && !entry.isFile()) continue;
      const probe = isDirectory ? `${relativePath}/` : relativePath;
      if (secretRules.ignores(probe)) {
        stats.secret++;
        continue;
      }
      if (defaults.ignores(probe) || isIgnoredByScopes(activeScopes, relativePath, isDirectory)) {
        stats.ignored++;
        continue;
      }
      if (isDirectory) {
        subdirectories.push(relativePath);
        continue;
      }
      const info = lstatSync(path.join(root, relativePath));
      if (info.size > MAX_INDEXED_FILE_BYTES) {
        stats.tooLarge++;
        continue;
      }
      files.push({ path: relativePath, absolutePath: path.join(root, relativePath), size: info.size, mtimeMs: info.mtimeMs });
    }
    for (const subdirectory of subdirectories) await visit(subdirectory, activeScopes);
  }

  await visit("", []);
  return { files, stats };
}
