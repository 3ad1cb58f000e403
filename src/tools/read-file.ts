import { z } from "zod";
import { AppError } from "../errors.js";
import type { RepositoryIndex } from "../index/repository-index.js";
import { assertRealPathInside, toRepositoryPath } from "../index/safe-path.js";
import { isSecretPath } from "../index/walk.js";
import { defineTool } from "./tool.js";

/** A read is bounded so one call cannot pull a whole large file into a prompt. */
export const MAX_READ_LINES = 200;
const MAX_READ_CHARS = 20_000;

/** Resolves a caller's path to an indexed file, with a precise error for every way it can fail. */
export async function resolveIndexedPath(index: RepositoryIndex, input: string): Promise<string> {
  const relative = toRepositoryPath(index.root, input);
  if (isSecretPath(relative)) throw new AppError("SECRET_PATH", `"${relative}" is a secret file; secret files are never read.`);
  if (index.files.has(relative)) {
    await assertRealPathInside(index.root, relative);
    return relative;
  }
  // Not indexed: say why, checking first whether it is a link out of the repository.
  await assertRealPathInside(index.root, relative);
  throw new AppError("FILE_NOT_INDEXED", `"${relative}" is not in the index: it is ignored, binary, too large or a directory. Use list_files to see indexed files.`);
}

export const readFileTool = defineTool({
  name: "read_file",
  description:
    `Reads lines of one indexed file by its path relative to the repository root, at most ${MAX_READ_LINES} lines per call. ` +
    "Give startLine and endLine (1-based, inclusive) to read a range, for example around a line from a stack trace or a search hit.",
  schema: z
    .object({
      path: z.string().min(1, "path must not be empty").max(1000),
      startLine: z.number().int().min(1).optional(),
      endLine: z.number().int().min(1).optional(),
    })
    .strict()
    .refine((v) => v.startLine === undefined || v.endLine === undefined || v.endLine >= v.startLine, {
      message: "endLine must not be before startLine",
    }),
  async run(index, input) {
    const path = await resolveIndexedPath(index, input.path);
    const lines = (await index.fileLines(path)) ?? [];
    const total = lines.length;
    const startLine = Math.min(input.startLine ?? 1, Math.max(1, total));
    const requestedEnd = Math.min(input.endLine ?? total, total);
    let endLine = Math.max(startLine, Math.min(requestedEnd, startLine + MAX_READ_LINES - 1));
    let text = lines.slice(startLine - 1, endLine).join("\n");
    if (text.length > MAX_READ_CHARS) {
      text = text.slice(0, MAX_READ_CHARS);
      text = text.slice(0, text.lastIndexOf("\n") > 0 ? text.lastIndexOf("\n") : text.length);
      endLine = startLine + text.split("\n").length - 1;
    }
    return {
      evidence: [{ path, startLine, endLine, text, score: 1, kind: "file" }],
      details: { totalLines: total, truncated: endLine < requestedEnd },
    };
  },
});
