import type { FastifyReply } from "fastify";
import type { OutgoingHttpHeaders } from "node:http";
import type { RunEvent } from "../contract.js";

/**
 * Server-sent events on a Fastify reply: `event:` is the event's type, `id:` its sequence number
 * (what a reconnecting client sends back as Last-Event-ID) and `data:` the event as one line of
 * JSON. Comment lines (`: heartbeat`) keep proxies from timing an idle stream out and let clients
 * see the server is alive. Once the stream is open its status is 200, so everything after that,
 * failures included, is said with events.
 */
export interface EventStream {
  /** False once the stream has ended or the client has gone. */
  readonly open: boolean;
  send(id: number, event: RunEvent): void;
  /** An event with no id: about the stream itself, not part of what a client resumes from. */
  sendWithoutId(event: RunEvent): void;
  comment(text: string): void;
  end(): void;
}

export const formatEvent = (event: RunEvent, id?: number) => `event: ${event.type}\n${id === undefined ? "" : `id: ${id}\n`}data: ${JSON.stringify(event)}\n\n`;

/** Takes the response over from Fastify and opens the stream (status 200 and the headers Fastify had set, such as x-request-id). */
export function openEventStream(reply: FastifyReply, heartbeatMs: number): EventStream {
  reply.hijack();
  const response = reply.raw;
  response.writeHead(200, {
    ...(reply.getHeaders() as OutgoingHttpHeaders),
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache, no-transform",
    connection: "keep-alive",
    // nginx buffers responses unless told not to, which would hold events back.
    "x-accel-buffering": "no",
  });
  // Writing to a response that has ended or whose socket is gone makes Node emit an 'error' event: don't.
  const writable = () => !response.writableEnded && !response.destroyed;
  const write = (text: string) => {
    if (writable()) response.write(text);
  };
  const heartbeat = setInterval(() => write(": heartbeat\n\n"), heartbeatMs);
  response.once("close", () => clearInterval(heartbeat));
  write(": stream open\n\n");
  return {
    get open() {
      return writable();
    },
    send: (id, event) => write(formatEvent(event, id)),
    sendWithoutId: (event) => write(formatEvent(event)),
    comment: (text) => write(`: ${text.replace(/[\r\n]+/g, " ")}\n\n`),
    end() {
      clearInterval(heartbeat);
      if (writable()) response.end();
    },
  };
}
