/**
 * Routes that answer without reading the request body (405, 404, 400 before any JSON is parsed) must still leave a
 * keep-alive client able to go on: it reuses its sockets and gets every answer, not "socket hang up". Three ways a
 * client sends such a body: with Content-Length, chunked, and undeclared (what Node's client does with the body of a
 * GET or DELETE when no framing header is set: the bytes follow the head with nothing saying how many there are).
 */
import { strict as assert } from 'node:assert';
import http from 'node:http';
import { listen } from '../../src/cli/listen';
import { createTransferServer } from '../../topology/wallet/http/transfer-server';

interface Answer {
  status: number;
  contentType?: string;
  json: { code?: string };
}

type Framing = 'content-length' | 'chunked' | 'undeclared';

function request(agent: http.Agent, port: number, method: string, path: string, body: string, framing: Framing): Promise<Answer> {
  // Node's client frames a GET or DELETE body only when told how.
  const headers: http.OutgoingHttpHeaders = { 'content-type': 'application/json' };
  if (framing === 'content-length') headers['content-length'] = Buffer.byteLength(body);
  if (framing === 'chunked') headers['transfer-encoding'] = 'chunked';
  return new Promise((resolve, reject) => {
    const req = http.request(
      { agent, host: '127.0.0.1', port, method, path, headers },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (text += d));
        res.on('end', () => {
          try {
            resolve({ status: res.statusCode!, contentType: res.headers['content-type'], json: JSON.parse(text) });
          } catch (err) {
            reject(err);
          }
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    // Head and half the body first, the rest a moment later: the server may well answer before the body has arrived.
    req.write(body.slice(0, body.length / 2));
    setTimeout(() => req.end(body.slice(body.length / 2)), 2);
  });
}

describe('routes that do not read the body, on keep-alive connections', () => {
  let server: http.Server;
  let port: number;
  before(async () => {
    server = createTransferServer({ publish: async () => {}, getBalance: () => undefined });
    port = (await listen(server, '127.0.0.1:0')).port;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const routes: Array<[string, string, number, string]> = [
    ['GET', '/api/v1/transfers', 405, 'method_not_allowed'],
    ['DELETE', '/x', 404, 'not_found'],
    ['GET', '/api/v1/accounts/%zz', 400, 'account_invalid'],
  ];
  for (const [method, path, status, code] of routes) for (const framing of ['content-length', 'chunked', 'undeclared'] as const) {
    it(`${method} ${path} with a ${framing} body: 20 concurrent requests on 4 reused sockets all get ${status} ${code}`, async () => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
      try {
        const body = JSON.stringify({ request_id: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', pad: 'x'.repeat(8 * 1024) });
        const results = await Promise.allSettled(Array.from({ length: 20 }, () => request(agent, port, method, path, body, framing)));
        const failed = results.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []));
        assert.deepEqual(failed, [], `${failed.length} of 20 requests failed`);
        for (const r of results) {
          const a = (r as PromiseFulfilledResult<Answer>).value;
          assert.equal(a.status, status);
          assert.equal(a.contentType, 'application/json');
          assert.equal(a.json.code, code);
        }
      } finally {
        agent.destroy();
      }
    });
  }
});
