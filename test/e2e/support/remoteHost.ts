/**
 * Makes a loopback-only server (the Ollama stand-in) reachable at this machine's own network address, so the
 * extension sees a host that is "not on this machine" by its URL (not 127.x, not localhost) while every byte stays
 * on the machine: a plain TCP forwarder bound to a non-internal interface address.
 */
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';

export interface Forwarder {
  /** "http://<interface address>:<port>" */
  readonly url: string;
  /** Connections accepted so far. */
  readonly connections: number;
  close(): Promise<void>;
}

/** The first non-internal IPv4 address of this machine, or undefined when it has none (loopback only). */
export function externalIPv4(): string | undefined {
  for (const addresses of Object.values(os.networkInterfaces())) {
    for (const address of addresses ?? []) if (address.family === 'IPv4' && !address.internal) return address.address;
  }
  return undefined;
}

/** Forwards connections to `address`:<port> on to 127.0.0.1:`targetPort`. */
export async function forwardToLoopback(address: string, targetPort: number): Promise<Forwarder> {
  const sockets = new Set<net.Socket>();
  let connections = 0;
  const server = net.createServer((client) => {
    connections++;
    const upstream = net.connect(targetPort, '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    }
    client.pipe(upstream).pipe(client);
    // Either side ending or failing ends the other, as a direct connection would.
    client.once('error', () => upstream.destroy());
    upstream.once('error', () => client.destroy());
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, address, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${address}:${port}`,
    get connections() {
      return connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
