import picomatch from "picomatch";
import { z } from "zod";
import { AppError } from "../errors.js";
import { defineTool } from "./tool.js";

const MAX_LISTED = 200;

export const listFiles = defineTool({
  name: "list_files",
  description:
    `Lists indexed files whose path matches a glob relative to the repository root (\`src/**/*.ts\`, \`docs/*.md\`, \`*config*\`), at most ${MAX_LISTED}. ` +
    "A glob without a slash matches file names anywhere in the tree. Use it to see how the repository is laid out.",
  schema: z.object({ glob: z.string().trim().min(1, "glob must not be empty").max(500) }).strict(),
  async run(index, { glob }) {
    const pattern = glob.replace(/\\/g, "/").replace(/^\.\//, "");
    if (pattern.startsWith("/") || pattern.split("/").includes("..")) {
      throw new AppError("PATH_OUTSIDE_REPOSITORY", `glob "${glob}" must stay inside the repository: use a relative pattern without "..".`);
    }
    const matches = picomatch(pattern, { dot: true, basename: !pattern.includes("/") });
    const files = [...index.files.values()].filter((file) => matches(file.path));
    return {
      evidence: files.slice(0, MAX_LISTED).map((file) => ({
        path: file.path,
        startLine: 1,
        endLine: Math.max(1, file.lineCount),
        text: `${file.path} (${file.language}, ${file.lineCount} lines)`,
        score: 1,
        kind: "listing" as const,
      })),
      details: { matched: files.length, truncated: files.length > MAX_LISTED },
    };
  },
});
