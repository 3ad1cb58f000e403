import { realpath } from "node:fs/promises";
import path from "node:path";
import { AppError } from "../errors.js";

/**
 * Turns a path given by a caller (or a model) into a POSIX path relative to the repository root.
 * Absolute paths inside the root are accepted and made relative; `..` that leaves the root, absolute
 * paths elsewhere and NUL bytes are rejected.
 */
export function toRepositoryPath(root: string, input: string): string {
  if (input.includes("\0")) throw new AppError("PATH_OUTSIDE_REPOSITORY", "The path contains a NUL byte.");
  const slashed = input.trim().replace(/\\/g, "/");
  if (!slashed) throw new AppError("INVALID_TOOL_INPUT", "The path is empty.");
  let relative: string;
  if (path.posix.isAbsolute(slashed) || /^[A-Za-z]:\//.test(slashed)) {
    const fromRoot = path.relative(root, path.resolve(slashed));
    if (fromRoot.startsWith("..") || path.isAbsolute(fromRoot)) {
      throw new AppError("PATH_OUTSIDE_REPOSITORY", `"${input}" is an absolute path outside the repository; use a path relative to its root.`);
    }
    relative = fromRoot.split(path.sep).join("/");
  } else {
    relative = path.posix.normalize(slashed);
  }
  relative = relative.replace(/^\.\/+/, "").replace(/\/+$/, "");
  if (relative === ".." || relative.startsWith("../")) {
    throw new AppError("PATH_OUTSIDE_REPOSITORY", `"${input}" leaves the repository root.`);
  }
  return relative === "." ? "" : relative;
}

/** Resolves symbolic links and fails when the real file lies outside the repository. */
export async function assertRealPathInside(root: string, relativePath: string): Promise<string> {
  let real: string;
  try {
    real = await realpath(path.join(root, relativePath));
  } catch {
    throw new AppError("FILE_NOT_INDEXED", `"${relativePath}" does not exist in the repository.`);
  }
  if (real !== root && !real.startsWith(root + path.sep)) {
    throw new AppError("PATH_OUTSIDE_REPOSITORY", `"${relativePath}" is a symbolic link that leaves the repository.`);
  }
  return real;
}
