import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { AppConfig } from "../config.js";
import { AppError } from "../errors.js";
import { DOCS_PREFIX } from "./openapi.js";

declare module "fastify" {
  interface FastifyRequest {
    /** Who is calling, as `key:<sha256 prefix of the key>` (never the key); null when auth is off. */
    callerId: string | null;
  }
}

/** Probes and the API description stay open: orchestrators and people reading the docs have no key. */
const PUBLIC_ROUTES = new Set(["/healthz", "/readyz", "/openapi.json"]);

/** Whether a request's route is public. Decided on the matched route, so `/healthz/../ask` cannot pass as one. */
export function isPublicRoute(request: FastifyRequest): boolean {
  const route = request.routeOptions.url;
  return route !== undefined && (PUBLIC_ROUTES.has(route) || route === DOCS_PREFIX || route.startsWith(`${DOCS_PREFIX}/`));
}

const REALM = 'Bearer realm="repo-qa"';
const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

const digestOf = (key: string) => createHash("sha256").update(key, "utf8").digest();

/** The caller id of a key: 12 hex digits of its SHA-256, enough to tell keys apart, useless for finding one. */
const callerIdOf = (digest: Buffer) => `key:${digest.toString("hex").slice(0, 12)}`;

/**
 * Whether `presented` is one of the configured keys. Digests are compared, so every comparison is
 * of 32 bytes whatever the key's length, with timingSafeEqual, against every key without stopping
 * at a match: the time taken says nothing about how much of a key was right.
 */
function matchesAny(presented: Buffer, configured: readonly Buffer[]): boolean {
  let matched = false;
  for (const digest of configured) matched = timingSafeEqual(presented, digest) || matched;
  return matched;
}

function refuse(reply: FastifyReply, invalidKey: boolean): AppError {
  reply.header("www-authenticate", invalidKey ? `${REALM}, error="invalid_token"` : REALM);
  return invalidKey
    ? new AppError("UNAUTHORIZED", "The API key is not valid: send Authorization: Bearer <key> with a key configured on the server.")
    : new AppError("UNAUTHORIZED");
}

/** The start-up warning when auth is off, or undefined when keys are required. */
export function authDisabledWarning(config: AppConfig): string | undefined {
  if (config.auth.required) return undefined;
  return (
    `AUTHENTICATION IS OFF (${config.auth.disabledBecause}): anyone who can reach ${config.server.host}:${config.server.port} can ask questions. ` +
    "Set API_KEYS or API_KEYS_FILE to require an API key (AUTH=off turns this warning into an explicit choice)."
  );
}

/**
 * API-key authentication: every route but the public ones needs `Authorization: Bearer <key>`.
 * Only the keys' digests are kept; the key is never logged (the request log writes no headers and
 * pino redacts Authorization wherever a request is logged) and never traced: traces get the
 * caller id instead.
 */
export function registerAuth(app: FastifyInstance, config: AppConfig): void {
  app.decorateRequest("callerId", null);
  const warning = authDisabledWarning(config);
  if (warning) {
    app.log.warn(warning);
    return;
  }
  const digests = config.auth.apiKeys.map(digestOf);
  app.addHook("onRequest", async (request, reply) => {
    if (isPublicRoute(request)) return;
    const header = request.headers.authorization;
    const key = header === undefined ? undefined : BEARER.exec(header)?.[1];
    if (key === undefined) throw refuse(reply, header !== undefined);
    const digest = digestOf(key);
    if (!matchesAny(digest, digests)) throw refuse(reply, true);
    request.callerId = callerIdOf(digest);
  });
}
