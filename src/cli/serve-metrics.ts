import { Server, createServer } from 'node:http';
import { listen } from './listen';
import { StreamsMetrics } from '../runtime/metrics';

/** GET /metrics in Prometheus text format; loopback by default like every server here. */
export async function serveMetrics(metrics: StreamsMetrics, addr: string): Promise<Server> {
  const server = createServer(async (req, res) => {
    if (req.method !== 'GET' || req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    try {
      res.writeHead(200, { 'Content-Type': metrics.registry.contentType }).end(await metrics.registry.metrics());
    } catch (err) {
      res.writeHead(500).end(String(err));
    }
  });
  const at = await listen(server, addr);
  process.stderr.write(`metrics on http://${at.host}:${at.port}/metrics\n`);
  return server;
}
