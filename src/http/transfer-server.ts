import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Balance, TransferRequest } from '../../topology/wallet-types';
import { StreamsError } from '../errors/streams-error';
import { INVALID_JSON, validateTransfer } from './transfer-validation';

export const MAX_BODY_BYTES = 64 * 1024;

export interface TransferServerLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface TransferServerDeps {
  publish(transfer: TransferRequest): Promise<void>;
  getBalance(account: string): Balance | undefined | Promise<Balance | undefined>;
  logger?: TransferServerLogger;
}

const TRANSFERS = '/api/v1/transfers';
const ACCOUNT = /^\/api\/v1\/accounts\/([^/]+)$/;
const HEALTHZ = '/healthz';

class BodyTooLarge extends Error {}

function send(res: http.ServerResponse, status: number, body: object, headers: http.OutgoingHttpHeaders = {}): void {
  const json = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(json),
  });
  res.end(json);
}

const error = (res: http.ServerResponse, status: number, code: string, message: string, headers?: http.OutgoingHttpHeaders) =>
  send(res, status, { message, code }, headers);

/** Buffers at most MAX_BODY_BYTES; past that it stops collecting and rejects with BodyTooLarge. */
function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (declared > MAX_BODY_BYTES) return reject(new BodyTooLarge());
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        req.off('data', onData);
        chunks.length = 0;
        reject(new BodyTooLarge());
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

async function postTransfer(req: http.IncomingMessage, res: http.ServerResponse, deps: TransferServerDeps): Promise<void> {
  let text: string;
  try {
    text = await readBody(req);
  } catch (err) {
    if (!(err instanceof BodyTooLarge)) throw err;
    // Close the connection: the rest of the oversized body is discarded by node rather than kept for keep-alive.
    return error(res, 413, 'body_too_large', `request body exceeds ${MAX_BODY_BYTES} bytes`, { Connection: 'close' });
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return send(res, 400, INVALID_JSON);
  }
  const result = validateTransfer(body);
  if (!result.ok) return send(res, 400, result.error);
  const t = result.transfer;
  try {
    await deps.publish(t);
  } catch (err) {
    deps.logger?.warn({ err, request_id: t.request_id }, 'publish failed');
    return error(res, 503, 'broker_unavailable',
      'broker unavailable: the transfer was not recorded and may be retried with the same request_id');
  }
  send(res, 201, { request_id: t.request_id, from: t.from, amount: t.amount.toFixed(2), to: t.to });
}

async function getAccount(account: string, res: http.ServerResponse, deps: TransferServerDeps): Promise<void> {
  const balance = await deps.getBalance(account);
  if (balance === undefined) return error(res, 404, 'account_not_found', `account ${account} not found`);
  send(res, 200, { account: balance.account, balance: balance.balance.toFixed(2), currency: balance.currency });
}

async function route(req: http.IncomingMessage, res: http.ServerResponse, path: string, deps: TransferServerDeps) {
  const isGet = req.method === 'GET' || req.method === 'HEAD';
  const notAllowed = (allow: string) =>
    error(res, 405, 'method_not_allowed', `method ${req.method} not allowed on ${path}`, { Allow: allow });

  if (path === TRANSFERS) return req.method === 'POST' ? postTransfer(req, res, deps) : notAllowed('POST');
  if (path === HEALTHZ) return isGet ? send(res, 200, { status: 'ok' }) : notAllowed('GET, HEAD');
  const m = ACCOUNT.exec(path);
  if (m) {
    if (!isGet) return notAllowed('GET, HEAD');
    let account: string;
    try {
      account = decodeURIComponent(m[1]);
    } catch {
      return error(res, 400, 'account_invalid', 'account must be valid percent-encoded UTF-8');
    }
    return getAccount(account, res, deps);
  }
  error(res, 404, 'not_found', `no route for ${path}`);
}

/** The wallet's HTTP API, not yet listening. Kafka wiring arrives through `deps`. */
export function createTransferServer(deps: TransferServerDeps): http.Server {
  return http.createServer((req, res) => {
    const started = process.hrtime.bigint();
    // The query string is ignored for routing and kept out of logs.
    const path = (req.url ?? '/').split('?', 1)[0];
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      deps.logger?.info({ method: req.method, path, status: res.statusCode, ms }, 'request');
    });
    route(req, res, path, deps).catch((err: unknown) => {
      deps.logger?.warn({ err, method: req.method, path }, 'request handler failed');
      if (!res.headersSent) error(res, 500, 'internal', 'internal server error');
      else res.destroy();
    });
  });
}

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
