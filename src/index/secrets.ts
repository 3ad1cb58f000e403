import { LRUCache } from "lru-cache";

/**
 * Redaction of secret-looking text. Applied to every line before it is indexed, returned by a tool
 * or written to a trace, so a token committed by mistake never leaves the service.
 */

export const REDACTED = "[REDACTED]";

interface SecretRule {
  name: string;
  pattern: RegExp;
  /** Which capture group holds the secret; 0 redacts the whole match. */
  group: number;
}

// Provider token formats are matched exactly; generic assignments only when the value is a
// long quoted literal, so ordinary code like `password: z.string()` is left alone.
const RULES: SecretRule[] = [
  { name: "aws-access-key", pattern: /\b(?:AKIA|ASIA|AGPA|AIDA|AROA)[0-9A-Z]{16}\b/g, group: 0 },
  { name: "github-token", pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{40,})\b/g, group: 0 },
  { name: "gitlab-token", pattern: /\bglpat-[A-Za-z0-9_-]{20,}\b/g, group: 0 },
  { name: "slack-token", pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}\b/g, group: 0 },
  { name: "stripe-key", pattern: /\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}\b/g, group: 0 },
  { name: "openai-key", pattern: /\bsk-(?:proj-|svcacct-|ant-)?[A-Za-z0-9_-]{20,}\b/g, group: 0 },
  { name: "langfuse-key", pattern: /\b(?:sk|pk)-lf-[A-Za-z0-9-]{8,}\b/g, group: 0 },
  { name: "google-api-key", pattern: /\bAIza[0-9A-Za-z_-]{35}\b/g, group: 0 },
  { name: "npm-token", pattern: /\bnpm_[A-Za-z0-9]{36}\b/g, group: 0 },
  { name: "webhook-secret", pattern: /\bwhsec_[A-Za-z0-9+/=_-]{12,}/g, group: 0 },
  { name: "jwt", pattern: /\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\b/g, group: 0 },
  { name: "url-credentials", pattern: /\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:([^\s@/]{3,})@/gi, group: 1 },
  {
    name: "secret-assignment",
    pattern:
      /\b[\w.-]*(?:secret|passw(?:or)?d|pwd|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|client[_-]?secret|auth)[\w.-]*["']?[ \t]*[:=][ \t]*["']([^"'\s]{12,})["']/gi,
    group: 1,
  },
  {
    name: "env-assignment",
    pattern: /^\s*(?:export\s+)?[A-Z0-9_]*(?:SECRET|PASSWORD|PASSWD|TOKEN|API_KEY|APIKEY|ACCESS_KEY|PRIVATE_KEY)[A-Z0-9_]*\s*=\s*([^\s"'#]{12,})\s*$/gm,
    group: 1,
  },
];

const PRIVATE_KEY_BLOCK =
  /-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|$)/g;

/** Placeholders that look like assignments but are documentation, not secrets. */
const PLACEHOLDER = /^(?:x{3,}|\*{3,}|<[^>]*>|\$\{[^}]*\}|changeme|your[_-].*|example.*|dummy.*|placeholder.*|\.\.\.)$/i;

function redactMatches(text: string): string {
  let out = text;
  for (const rule of RULES) {
    rule.pattern.lastIndex = 0;
    out = out.replace(rule.pattern, (match, ...groups: unknown[]) => {
      if (rule.group === 0) return REDACTED;
      const secret = groups[rule.group - 1];
      if (typeof secret !== "string" || PLACEHOLDER.test(secret) || secret.includes(REDACTED)) return match;
      return match.replace(secret, REDACTED);
    });
  }
  return out;
}

/**
 * Redacts secrets in a text while keeping its line count, so line numbers in citations stay true.
 * Private key blocks become one redacted line followed by empty lines.
 */
export function redactSecrets(text: string): string {
  if (text.length > CACHED_TEXT_LENGTH) return redactUncached(text);
  let redacted = redactedByText.get(text);
  if (redacted === undefined) {
    redacted = redactUncached(text);
    redactedByText.set(text, redacted);
    // Redacted text is redacted again downstream (span attributes, the processor's mask, the exporter).
    if (redacted !== text) redactedByText.set(redacted, redacted);
  }
  return redacted;
}

/**
 * The same texts are redacted again and again: evidence lines on every question that retrieves
 * them, span attributes at each of the three layers of trace redaction. Fifteen regular expressions
 * per text made redaction a sixth of the service's CPU under load; a hit costs a hash lookup.
 */
const redactedByText = new LRUCache<string, string>({ max: 50_000, maxSize: 64 * 1024 * 1024, sizeCalculation: (redacted, text) => text.length + (redacted === text ? 0 : redacted.length) + 64 });
const CACHED_TEXT_LENGTH = 16_384;

function redactUncached(text: string): string {
  const withoutKeys = text.replace(PRIVATE_KEY_BLOCK, (block) => {
    const lines = block.split("\n").length;
    return REDACTED + "\n".repeat(lines - 1);
  });
  return redactMatches(withoutKeys);
}

/** True when a text holds something redactSecrets would remove. */
export function containsSecret(text: string): boolean {
  return redactSecrets(text) !== text;
}
