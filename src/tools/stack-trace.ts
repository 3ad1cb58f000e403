import { parse as parseV8Stack } from "stacktrace-parser";

/** A stack trace pasted by a user, parsed into error type, message and frames, innermost first. */
export interface ParsedTrace {
  language: "javascript" | "python" | "go" | "java" | "unknown";
  errorType?: string;
  message?: string;
  /** An error code found in the trace (`E_RATE_LIMITED`, `ERR_INVALID_ARG_TYPE`, `ECONNREFUSED`). */
  errorCode?: string;
  frames: TraceFrame[];
}

export interface TraceFrame {
  file: string;
  line: number;
  column?: number;
  function?: string;
}

const PYTHON_FRAME = /^\s*File "([^"]+)", line (\d+)(?:, in (.+))?\s*$/;
const PYTHON_ERROR = /^([A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Warning|Fault|Failure)|[A-Za-z_][\w.]*\.[A-Z]\w*|AssertionError|StopIteration|KeyError|[A-Z]\w+):\s?(.*)$/;
const GO_LOCATION = /^\s+(\S+\.go):(\d+)(?: \+0x[0-9a-f]+)?\s*$/;
const GO_FUNCTION = /^([\w./*()-]+)\((?:[^)]*)\)\s*$/;
const JAVA_FRAME = /^\s*at ([\w.$<>]+)\(([\w$.-]+\.(?:java|kt|scala|groovy)):(\d+)\)/;
const JS_ERROR_HEADER = /^\s*(?:Uncaught\s+)?(?:\[?([A-Z]\w*(?:Error|Exception|Failure|Fault)?)(?: \[([A-Z][A-Z0-9_]+)\])?\]?):\s?(.*)$/;
const VITEST_FRAME = /^\s*(?:❯|>|at)\s+(?:([\w$.<>]+)\s+)?((?:\.{0,2}\/)?[\w@./-]+\.[cm]?[jt]sx?):(\d+):(\d+)/;
/** CI log decorations before each line: ISO timestamps (GitHub Actions), `##[error]` markers. */
const LOG_LINE_PREFIX = /^(?:\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z?\s|##\[\w+\])+/;
/**
 * Error codes: `E_RATE_LIMITED`, `ERR_INVALID_ARG_TYPE`, namespaced `FST_ERR_HOOK_TIMEOUT`,
 * `PAYMENT_ERROR_DECLINED`, and POSIX errno names.
 */
export const ERROR_CODE_PATTERN =
  /\b(E_[A-Z0-9_]{3,}|(?:[A-Z][A-Z0-9]*_)*ERR(?:OR)?_[A-Z0-9_]{2,}|[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*_(?:ERR|ERROR)\b|E[A-Z]{1,3}_[A-Z0-9_]{3,}|E(?:CONNREFUSED|CONNRESET|CONNABORTED|TIMEDOUT|NOTFOUND|ACCES|ADDRINUSE|ADDRNOTAVAIL|PIPE|NOENT|EXIST|PERM|NOTDIR|ISDIR|MFILE|AI_AGAIN|HOSTUNREACH|NETUNREACH|NOSPC|BUSY))\b/;

/** An error code given as a field of a JSON body or a printed error object: `"code": "X"`, `code: 'X'`. */
export const CODE_FIELD_PATTERN = /\bcode["']?\s*[:=]\s*["']([A-Z][A-Z0-9_]{3,})["']/;

const lines = (text: string) => text.split(/\r?\n/).map((line) => line.replace(LOG_LINE_PREFIX, ""));

function detectLanguage(text: string): ParsedTrace["language"] {
  if (/Traceback \(most recent call last\)|^\s*File "[^"]+", line \d+/m.test(text)) return "python";
  if (/^goroutine \d+ \[|^panic: |\.go:\d+ \+0x/m.test(text)) return "go";
  if (JAVA_FRAME.test(text) || /Exception in thread "/.test(text)) return "java";
  if (/^\s*at .+:\d+(:\d+)?\)?\s*$/m.test(text) || lines(text).some((line) => VITEST_FRAME.test(line))) return "javascript";
  return "unknown";
}

function parsePython(lines: readonly string[]): Pick<ParsedTrace, "frames" | "errorType" | "message"> {
  const frames: TraceFrame[] = [];
  let errorType: string | undefined;
  let message: string | undefined;
  for (const line of lines) {
    const frame = PYTHON_FRAME.exec(line);
    if (frame) {
      frames.push({ file: frame[1]!, line: Number(frame[2]), ...(frame[3] ? { function: frame[3].trim() } : {}) });
      continue;
    }
    // The last "Type: message" line at column 0 is the exception that was raised.
    const error = !/^\s/.test(line) ? PYTHON_ERROR.exec(line.trim()) : null;
    if (error && !line.startsWith("Traceback")) {
      errorType = error[1];
      message = error[2];
    }
  }
  // Python prints the outermost frame first; keep innermost first like every other language.
  return { frames: frames.reverse(), ...(errorType ? { errorType } : {}), ...(message !== undefined ? { message } : {}) };
}

function parseGo(lines: readonly string[]): Pick<ParsedTrace, "frames" | "errorType" | "message"> {
  const frames: TraceFrame[] = [];
  let message: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (message === undefined && /^panic: /.test(line)) message = line.slice("panic: ".length).trim();
    const location = GO_LOCATION.exec(line);
    if (location) {
      const previous = lines[i - 1]?.trim() ?? "";
      const fn = GO_FUNCTION.exec(previous)?.[1];
      frames.push({ file: location[1]!, line: Number(location[2]), ...(fn ? { function: fn } : {}) });
    }
  }
  return { frames, errorType: "panic", ...(message !== undefined ? { message } : {}) };
}

function parseJava(lines: readonly string[]): Pick<ParsedTrace, "frames" | "errorType" | "message"> {
  const frames: TraceFrame[] = [];
  let errorType: string | undefined;
  let message: string | undefined;
  for (const line of lines) {
    const frame = JAVA_FRAME.exec(line);
    if (frame) {
      frames.push({ file: frame[2]!, line: Number(frame[3]), function: frame[1]! });
      continue;
    }
    const header = /^(?:Exception in thread "[^"]*" |Caused by: )?([a-zA-Z_$][\w$.]*(?:Exception|Error|Throwable))(?::\s?(.*))?$/.exec(line.trim());
    if (header && errorType === undefined) {
      errorType = header[1]!.split(".").pop();
      message = header[2];
    }
  }
  return { frames, ...(errorType ? { errorType } : {}), ...(message !== undefined ? { message } : {}) };
}

function parseJavaScript(lines: readonly string[]): Pick<ParsedTrace, "frames" | "errorType" | "message"> {
  const frames: TraceFrame[] = [];
  const v8Lines = lines.filter((line) => /^\s*at\s/.test(line)).join("\n");
  for (const frame of parseV8Stack(v8Lines)) {
    if (!frame.file || frame.lineNumber === null) continue;
    frames.push({
      file: frame.file,
      line: frame.lineNumber,
      ...(frame.column !== null ? { column: frame.column } : {}),
      ...(frame.methodName && frame.methodName !== "<unknown>" ? { function: frame.methodName } : {}),
    });
  }
  // Test runners print frames as "❯ src/file.test.ts:12:5", which V8's format does not cover.
  if (frames.length === 0) {
    for (const line of lines) {
      const frame = VITEST_FRAME.exec(line);
      if (frame) frames.push({ file: frame[2]!, line: Number(frame[3]), column: Number(frame[4]), ...(frame[1] ? { function: frame[1] } : {}) });
    }
  }
  let errorType: string | undefined;
  let message: string | undefined;
  for (const line of lines) {
    if (/^\s*at\s/.test(line)) break;
    const header = JS_ERROR_HEADER.exec(line);
    if (header && /Error|Exception|Failure|Fault|^[A-Z]\w+$/.test(header[1]!)) {
      errorType = header[1];
      message = header[3];
      break;
    }
  }
  return { frames, ...(errorType ? { errorType } : {}), ...(message !== undefined ? { message } : {}) };
}

/** Parses a pasted JavaScript/TypeScript, Python, Go or Java stack trace (or test-runner output). */
export function parseStackTrace(text: string): ParsedTrace {
  const traceLines = lines(text);
  const language = detectLanguage(traceLines.join("\n"));
  const parsed =
    language === "python" ? parsePython(traceLines)
    : language === "go" ? parseGo(traceLines)
    : language === "java" ? parseJava(traceLines)
    : parseJavaScript(traceLines);
  const errorCode = CODE_FIELD_PATTERN.exec(text)?.[1] ?? ERROR_CODE_PATTERN.exec(text)?.[1];
  return { language, ...parsed, ...(errorCode ? { errorCode } : {}) };
}
