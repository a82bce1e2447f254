import { once } from "node:events";
import { createServer as createHttpServer, type Server } from "node:http";
import { type AddressInfo, connect, type Socket } from "node:net";

/**
 * A CONNECT proxy on 127.0.0.1 that tunnels `<host>:<targetPort>` to 127.0.0.1:<targetPort> and refuses anything
 * else. Give it a host that never resolves (`*.invalid`): a request that arrives can only have come through it.
 */
export async function startConnectProxy(
  host: string,
  targetPort: number,
): Promise<{ url: string; seen: string[]; close(): Promise<void> }> {
  const seen: string[] = [];
  const sockets = new Set<Socket>();
  const proxy: Server = createHttpServer((_req, res) => {
    seen.push("plain request");
    res.writeHead(405).end();
  });
  proxy.on("connect", (req, client: Socket) => {
    seen.push(`CONNECT ${req.url}`);
    sockets.add(client);
    if (req.url !== `${host}:${targetPort}`) {
      client.end("HTTP/1.1 403 Forbidden\r\n\r\n");
      return;
    }
    const upstream = connect(targetPort, "127.0.0.1", () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on("error", () => client.destroy());
    client.on("error", () => upstream.destroy());
  });
  proxy.listen(0, "127.0.0.1");
  await once(proxy, "listening");
  const { port } = proxy.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    },
  };
}
