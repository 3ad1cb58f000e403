import { redactSecrets } from "../index/secrets.js";

/**
 * Secret redaction for everything that becomes a span attribute. Retrieved text is redacted by the
 * index already; questions, answers and tool arguments come from users and models, so they pass
 * through the same rules here before they reach a trace.
 */

/** Returns `value` with every string in it (deeply, keys excepted) passed through redactSecrets. */
export function redactDeep<T>(value: T): T {
  return redactNode(value, new WeakSet()) as T;
}

function redactNode(value: unknown, seen: WeakSet<object>): unknown {
  if (typeof value === "string") return redactSecrets(value);
  if (value === null || typeof value !== "object") return value;
  if (value instanceof Date) return value;
  if (seen.has(value)) return "[circular]";
  seen.add(value);
  if (Array.isArray(value)) return value.map((item) => redactNode(item, seen));
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, redactNode(item, seen)]));
}

/**
 * The span processor's mask: the last line of defence for observation and trace input, output and
 * metadata, including those written by the LangChain handler (model prompts and completions).
 * Attribute values arrive as JSON strings; parsing first keeps JSON escapes (a newline stored as
 * `\n`) from hiding a secret from the line-anchored rules.
 */
export function maskSpanData({ data }: { data: unknown }): unknown {
  if (typeof data !== "string") return redactDeep(data);
  try {
    const parsed: unknown = JSON.parse(data);
    if (parsed !== null && typeof parsed === "object") return JSON.stringify(redactDeep(parsed));
  } catch {
    // Not JSON: a plain string attribute.
  }
  return redactSecrets(data);
}
