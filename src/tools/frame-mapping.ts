import type { RepositoryIndex } from "../index/repository-index.js";

/**
 * Maps a file path from a stack trace (an absolute path on another machine, a file:// URL, a
 * webpack:// URL, a compiled dist/*.js file) to the indexed file it most likely refers to.
 */

export interface MappedPath {
  path: string;
  /** True when only the file name matched, or the frame points at compiled output. */
  approximate: boolean;
}

const COMPILED_TO_SOURCE: Record<string, string[]> = {
  ".js": [".ts", ".tsx", ".jsx"],
  ".mjs": [".mts", ".ts"],
  ".cjs": [".cts", ".ts"],
  ".pyc": [".py"],
};

const byBasename = new WeakMap<RepositoryIndex, Map<string, string[]>>();

function basenameIndex(index: RepositoryIndex): Map<string, string[]> {
  let map = byBasename.get(index);
  if (!map) {
    map = new Map();
    for (const path of index.files.keys()) {
      const base = path.slice(path.lastIndexOf("/") + 1);
      const list = map.get(base);
      if (list) list.push(path);
      else map.set(base, [path]);
    }
    byBasename.set(index, map);
  }
  return map;
}

/** Indexed files with this file name, anywhere in the repository. */
export function filesNamed(index: RepositoryIndex, base: string): readonly string[] {
  return basenameIndex(index).get(base) ?? [];
}

export function isExternalFrame(file: string): boolean {
  return /^(node:|internal\/|native|<anonymous>|\[native code\])/.test(file) || /(^|\/)(node_modules|site-packages|dist-packages|vendor|\.pyenv|lib\/python\d)/.test(file) || /^\/usr\/(lib|local\/lib)\//.test(file) || /^<frozen /.test(file);
}

function normalize(file: string): string {
  return file
    .replace(/^file:\/\//, "")
    .replace(/^webpack:\/\/\/?(?:[^/]+\/)?/, "")
    .replace(/\\/g, "/")
    .replace(/^[A-Za-z]:/, "")
    .replace(/\?.*$/, "");
}

function trailingSegmentsInCommon(a: string[], b: string[]): number {
  let n = 0;
  while (n < a.length && n < b.length && a[a.length - 1 - n] === b[b.length - 1 - n]) n++;
  return n;
}

function bestBySuffix(candidates: readonly string[], segments: string[]): { path: string; common: number } | undefined {
  let best: { path: string; common: number } | undefined;
  for (const candidate of candidates) {
    const common = trailingSegmentsInCommon(candidate.split("/"), segments);
    if (!best || common > best.common || (common === best.common && candidate.length < best.path.length)) best = { path: candidate, common };
  }
  return best;
}

/** The repository's own name: its directory, and its package name when it has a package.json. */
function ownNames(index: RepositoryIndex): string[] {
  return [index.root.slice(index.root.lastIndexOf("/") + 1)];
}

/**
 * A frame inside an installed copy of this repository (`…/node_modules/<this repo>/lib/x.js`, a
 * site-packages copy) points at the repository's own file, not at a dependency.
 */
function insideOwnInstall(index: RepositoryIndex, normalized: string): string | undefined {
  for (const name of ownNames(index)) {
    const marker = new RegExp(`(?:^|/)(?:node_modules|site-packages|dist-packages)/${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/(.+)$`);
    const rest = marker.exec(normalized)?.[1];
    if (rest && index.files.has(rest)) return rest;
  }
  return undefined;
}

export function mapFramePath(index: RepositoryIndex, file: string): MappedPath | undefined {
  const absolute = normalize(file);
  // A frame from this very checkout maps exactly, wherever the checkout lives.
  if (absolute.startsWith(`${index.root}/`) && index.files.has(absolute.slice(index.root.length + 1))) {
    return { path: absolute.slice(index.root.length + 1), approximate: false };
  }
  const ownInstall = insideOwnInstall(index, absolute);
  if (ownInstall) return { path: ownInstall, approximate: false };
  if (isExternalFrame(file)) return undefined;
  const normalized = absolute.replace(/^\.?\//, "");
  if (index.files.has(normalized)) return { path: normalized, approximate: false };
  const segments = normalized.split("/").filter(Boolean);
  const base = segments[segments.length - 1];
  if (!base) return undefined;
  const names = basenameIndex(index);
  const direct = names.get(base);
  if (direct) {
    const best = bestBySuffix(direct, segments)!;
    // One matching segment is only the file name: right when it is unique, a guess otherwise.
    return { path: best.path, approximate: best.common < 2 && direct.length > 1 };
  }
  const dot = base.lastIndexOf(".");
  for (const extension of COMPILED_TO_SOURCE[base.slice(dot)] ?? []) {
    const sourceBase = base.slice(0, dot) + extension;
    const candidates = names.get(sourceBase);
    if (!candidates) continue;
    const sourceSegments = [...segments.slice(0, -1).map((s) => (s === "dist" || s === "build" || s === "lib" ? "src" : s)), sourceBase];
    return { path: bestBySuffix(candidates, sourceSegments)!.path, approximate: true };
  }
  return undefined;
}
