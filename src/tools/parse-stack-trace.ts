import { z } from "zod";
import type { Evidence } from "../contract.js";
import { mapFramePath } from "./frame-mapping.js";
import { parseStackTrace } from "./stack-trace.js";
import { boundText, defineTool } from "./tool.js";

/** Lines of context around a frame's line when the frame is not inside a known symbol. */
const FRAME_CONTEXT = 6;
const MAX_FRAME_EVIDENCE = 6;

export const parseStackTraceTool = defineTool({
  name: "parse_stack_trace",
  description:
    "Parses a pasted stack trace, traceback, panic or test-failure output (JavaScript/TypeScript, Python, Go, Java): error type, message, error code and frames. " +
    "Frames are mapped to files in the repository and the enclosing function; returns the code at each repository frame, innermost first.",
  schema: z.object({ text: z.string().trim().min(1, "text must not be empty").max(50_000) }).strict(),
  async run(index, { text }) {
    const trace = parseStackTrace(text);
    const frames = trace.frames.map((frame) => {
      const mapped = mapFramePath(index, frame.file);
      const symbol = mapped ? index.enclosingSymbol(mapped.path, frame.line) : undefined;
      return {
        ...frame,
        inRepository: !!mapped,
        ...(mapped ? { mappedPath: mapped.path, approximate: mapped.approximate } : {}),
        ...(symbol ? { symbol: symbol.container ? `${symbol.container}.${symbol.name}` : symbol.name, symbolStartLine: symbol.startLine, symbolEndLine: symbol.endLine } : {}),
      };
    });

    const evidence: Evidence[] = [];
    const seen = new Set<string>();
    for (const frame of frames) {
      if (!frame.mappedPath || evidence.length >= MAX_FRAME_EVIDENCE) continue;
      const lines = await index.fileLines(frame.mappedPath);
      if (!lines) continue;
      const line = Math.min(Math.max(1, frame.line), lines.length);
      // The enclosing function when it is small enough to quote, else a window around the line.
      const small = frame.symbolStartLine !== undefined && frame.symbolEndLine! - frame.symbolStartLine + 1 <= 60;
      const startLine = small ? frame.symbolStartLine! : Math.max(1, line - FRAME_CONTEXT);
      const endLine = small ? frame.symbolEndLine! : Math.min(lines.length, line + FRAME_CONTEXT);
      const key = `${frame.mappedPath}:${startLine}-${endLine}`;
      if (seen.has(key)) continue;
      seen.add(key);
      evidence.push({
        path: frame.mappedPath,
        startLine,
        endLine,
        text: boundText(lines.slice(startLine - 1, endLine).join("\n")),
        score: frame.approximate ? 0.5 : 1,
        kind: "stack_frame",
        ...(frame.symbol ? { symbol: frame.symbol } : {}),
      });
    }
    return {
      evidence,
      details: { language: trace.language, errorType: trace.errorType, message: trace.message, errorCode: trace.errorCode, frames },
    };
  },
});
