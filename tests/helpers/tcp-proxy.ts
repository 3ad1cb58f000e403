import { createConnection, createServer, type Server, type Socket } from "node:net";

/**
 * A TCP proxy on 127.0.0.1 in front of a real server (the local PostgreSQL), which a test can cut
 * to simulate that server restarting without touching it: `cut()` destroys every proxied connection
 * and stops listening, so new connections are refused, as they are while a database restarts;
 * `restore()` listens again on the same port.
 */
export interface TcpProxy {
  readonly port: number;
  /** Connections accepted since the proxy started (each one a new database session). */
  readonly accepted: number;
  /** Kills every open connection (both sides) and refuses new ones until restore(). */
  cut(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(upstream: { host: string; port: number }): Promise<TcpProxy> {
  const open = new Set<Socket>();
  let accepted = 0;
  const track = (socket: Socket) => {
    open.add(socket);
    socket.once("close", () => open.delete(socket));
    // A destroyed peer surfaces as ECONNRESET on the other side; the proxy only forwards, so it ignores it.
    socket.on("error", () => {});
  };

  const onConnection = (client: Socket) => {
    accepted++;
    const server = createConnection(upstream);
    track(client);
    track(server);
    client.pipe(server);
    server.pipe(client);
    client.once("close", () => server.destroy());
    server.once("close", () => client.destroy());
  };

  let listener: Server = createServer(onConnection);
  const listen = (port: number) => new Promise<void>((resolve, reject) => listener.once("error", reject).listen(port, "127.0.0.1", () => resolve()));
  const stopListening = () => new Promise<void>((resolve) => (listener.listening ? listener.close(() => resolve()) : resolve()));

  await listen(0);
  const address = listener.address();
  if (!address || typeof address === "string") throw new Error("the proxy has no port");
  const port = address.port;

  return {
    port,
    get accepted() {
      return accepted;
    },
    async cut() {
      const closed = stopListening();
      for (const socket of open) socket.destroy();
      await closed;
    },
    async restore() {
      listener = createServer(onConnection);
      await listen(port);
    },
    async close() {
      const closed = stopListening();
      for (const socket of open) socket.destroy();
      await closed;
    },
  };
}
