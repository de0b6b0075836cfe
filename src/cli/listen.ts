import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { StreamsError } from '../core/errors/streams-error';

/** Listens on "host:port", ":port" or "port" (host defaults to 127.0.0.1; "[::1]:port" for IPv6). */
export function listen(server: http.Server, addr: string): Promise<{ host: string; port: number }> {
  const m = /^(?:(\[[^\]]*\]|[^:]*):)?(\d+)$/.exec(addr.trim());
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) {
    return Promise.reject(new StreamsError(`invalid listen address "${addr}"`, { code: 'CONFIG_INVALID' }));
  }
  const host = (m[1] ?? '').replace(/^\[(.*)\]$/, '$1') || '127.0.0.1';
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const a = server.address() as AddressInfo;
      resolve({ host: a.address, port: a.port });
    });
  });
}
