import { createServer } from 'node:net';

/**
 * Asks the OS for `count` free TCP ports on 127.0.0.1 (bind to port 0, read, close). The
 * kernel binds them a moment later; another process taking one in between would make the
 * kernel fail to start, which the caller reports, so the tiny race is acceptable.
 */
export async function freeTcpPorts(count: number, host = '127.0.0.1'): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const server = createServer();
          server.once('error', reject);
          server.listen(0, host, () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((s) => {
    const address = s.address();
    return typeof address === 'object' && address ? address.port : 0;
  });
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}
