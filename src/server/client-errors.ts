import { randomUUID } from "node:crypto";
import { STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import type { FastifyInstance } from "fastify";
import { AppError, ERROR_CATALOGUE, type ErrorCode } from "../errors.js";
import { REQUEST_ID_HEADER } from "./request-id.js";
import type { ErrorResponse } from "./schemas.js";

/**
 * Requests too malformed for Node's HTTP parser (an invalid request line or header, conflicting
 * Content-Length and Transfer-Encoding, headers over the size limit, a client that never finishes
 * its headers) never become requests: Node reports them on the connection, and Fastify's default
 * answer has a body of its own shape. This answers them in the API's error shape instead, then
 * closes the connection, as Node does.
 */

/** llhttp's error codes (HPE_INVALID_HEADER_TOKEN, …) name what was wrong and are safe to echo. */
const PARSER_ERROR_CODE = /^HPE_[A-Z_]+$/;

function clientErrorOf(error: NodeJS.ErrnoException): { code: ErrorCode; message: string } {
  if (error.code === "HPE_HEADER_OVERFLOW") return { code: "HEADERS_TOO_LARGE", message: ERROR_CATALOGUE.HEADERS_TOO_LARGE.message };
  if (error.code === "ERR_HTTP_REQUEST_TIMEOUT") return { code: "REQUEST_TIMEOUT", message: ERROR_CATALOGUE.REQUEST_TIMEOUT.message };
  const reason = error.code && PARSER_ERROR_CODE.test(error.code) ? ` (${error.code})` : "";
  return { code: "INVALID_REQUEST", message: `The request is not valid HTTP/1.1${reason}; check the request line, the headers and the body framing.` };
}

/** The raw response for a connection-level client error. */
export function clientErrorResponse(error: NodeJS.ErrnoException): string {
  const { code, message } = clientErrorOf(error);
  const { status } = ERROR_CATALOGUE[code];
  const requestId = randomUUID();
  const body: ErrorResponse = { error: { code, message, requestId } };
  const json = JSON.stringify(body);
  return [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "Error"}`,
    "Content-Type: application/json; charset=utf-8",
    `Content-Length: ${Buffer.byteLength(json)}`,
    `${REQUEST_ID_HEADER}: ${requestId}`,
    "Connection: close",
    "",
    json,
  ].join("\r\n");
}

/** For Fastify's `clientErrorHandler` option. */
export function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  // A reset connection has nobody left to answer.
  if (error.code === "ECONNRESET" || socket.destroyed) return;
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.write(clientErrorResponse(error), () => socket.destroy());
}

/**
 * HTTP/1.1 requires a Host header. Node refuses a request without one by itself, with an empty
 * body, unless the server is created with `requireHostHeader: false` (as buildServer does); this
 * hook then refuses it in the API's error shape. Register it before authentication.
 */
export function requireHostHeader(app: FastifyInstance): void {
  app.addHook("onRequest", async (request) => {
    if (request.raw.httpVersion === "1.1" && !request.headers.host) throw new AppError("INVALID_REQUEST", "An HTTP/1.1 request must have a Host header.");
  });
}
