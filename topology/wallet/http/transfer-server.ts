import http from 'node:http';
import type { Balance, DepositRequest, TransferRequest, TransferStatus } from '../types';
import { INVALID_JSON, ValidationError, normalizeUuid, validateDeposit, validateTransfer } from './transfer-validation';

export const MAX_BODY_BYTES = 64 * 1024;

export interface TransferServerLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

/**
 * What `publish` throws when the log did not acknowledge the transfer (the broker is down, refused it, or its reply
 * was lost): the transfer may or may not have been recorded, so the client gets 503 and retries with the same
 * request_id, which the payment step dedupes. Any other error is answered 500 internal error.
 */
export class BrokerUnavailableError extends Error {
  constructor(cause?: unknown) {
    super(`broker unavailable${cause instanceof Error ? `: ${cause.message}` : ''}`, { cause });
    this.name = 'BrokerUnavailableError';
  }
}

export interface TransferServerDeps {
  /** Records the transfer; rejects with BrokerUnavailableError when its outcome is unknown (retry with the same id). */
  publish(transfer: TransferRequest): Promise<void>;
  getBalance(account: string): Balance | undefined | Promise<Balance | undefined>;
  /** Whether the balances can be trusted yet (a view still catching up would answer 404 for real accounts). */
  isReady?(): boolean;
  /**
   * Overdraft protection's routes (POST /api/v1/deposits, GET /api/v1/transfers/:request_id); a wallet without
   * protection leaves them out and those routes answer 404 saying so.
   */
  overdraft?: {
    /** Records the deposit; rejects with BrokerUnavailableError when its outcome is unknown. */
    publishDeposit(deposit: DepositRequest): Promise<void>;
    getTransferStatus(requestId: string): TransferStatus | undefined | Promise<TransferStatus | undefined>;
  };
  logger?: TransferServerLogger;
}

const TRANSFERS = '/api/v1/transfers';
const DEPOSITS = '/api/v1/deposits';
const TRANSFER = /^\/api\/v1\/transfers\/([^/]+)$/;
const ACCOUNT = /^\/api\/v1\/accounts\/([^/]+)$/;
/** The routes that read their request body. */
const readsBody = (method: string | undefined, path: string) => method === 'POST' && (path === TRANSFERS || path === DEPOSITS);
const HEALTHZ = '/healthz';

class BodyTooLarge extends Error {}

/** A JSON body ending in a newline, byte for byte what the original demo's Go encoder wrote. */
function send(res: http.ServerResponse, status: number, body: object, headers: http.OutgoingHttpHeaders = {}): void {
  const json = `${JSON.stringify(body)}\n`;
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(json),
  });
  res.end(json);
}

const error = (res: http.ServerResponse, status: number, code: string, message: string, headers?: http.OutgoingHttpHeaders) =>
  send(res, status, { message, code }, headers);

// The demo's answer to anything unexpected: no code, no detail (the detail goes to the log).
const internalError = (res: http.ServerResponse) => send(res, 500, { message: 'internal error' });

const declaresBody = (req: http.IncomingMessage) =>
  req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;

/**
 * Reads and discards the body of a request whose route answers without reading it, so that the connection is ready
 * for the client's next request. Resolves false, without waiting for the rest, when the body is larger than
 * MAX_BODY_BYTES or the request broke off: the answer must then close the connection.
 */
function discardBody(req: http.IncomingMessage): Promise<boolean> {
  if (req.complete) return Promise.resolve(true);
  return new Promise((resolve) => {
    let size = 0;
    const done = (drained: boolean) => {
      req.off('data', onData).off('end', onEnd).off('error', onBroken).off('close', onBroken);
      resolve(drained);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) done(false);
    };
    const onEnd = () => done(true);
    const onBroken = () => done(req.complete);
    req.on('data', onData).on('end', onEnd).on('error', onBroken).on('close', onBroken);
  });
}

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

/** The JSON body of a POST, or undefined once an error was answered (too large, not JSON). */
async function readJson(req: http.IncomingMessage, res: http.ServerResponse): Promise<{ body: unknown } | undefined> {
  let text: string;
  try {
    text = await readBody(req);
  } catch (err) {
    if (!(err instanceof BodyTooLarge)) throw err;
    // Close the connection: the rest of the oversized body is discarded by node rather than kept for keep-alive.
    error(res, 413, 'body_too_large', `request body exceeds ${MAX_BODY_BYTES} bytes`, { Connection: 'close' });
    return undefined;
  }
  try {
    return { body: JSON.parse(text) };
  } catch {
    send(res, 400, INVALID_JSON);
    return undefined;
  }
}

/** Publishes an accepted request; false once a 503 (outcome unknown) or 500 was answered. */
async function published(res: http.ServerResponse, deps: TransferServerDeps, what: string, requestId: string, publish: () => Promise<void>): Promise<boolean> {
  try {
    await publish();
    return true;
  } catch (err) {
    deps.logger?.warn({ err, request_id: requestId }, 'publish failed');
    if (!(err instanceof BrokerUnavailableError)) internalError(res);
    else {
      error(res, 503, 'broker_unavailable',
        `broker unavailable: the ${what} may or may not have been recorded; retry with the same request_id, which is never applied twice`);
    }
    return false;
  }
}

async function postTransfer(req: http.IncomingMessage, res: http.ServerResponse, deps: TransferServerDeps): Promise<void> {
  const json = await readJson(req, res);
  if (!json) return;
  const result = validateTransfer(json.body);
  if (!result.ok) return send(res, 400, result.error);
  const t = result.transfer;
  if (!(await published(res, deps, 'transfer', t.request_id, () => deps.publish(t)))) return;
  send(res, 201, { request_id: t.request_id, from: t.from, amount: t.amount.toFixed(2), to: t.to });
}

async function postDeposit(req: http.IncomingMessage, res: http.ServerResponse, overdraft: NonNullable<TransferServerDeps['overdraft']>, deps: TransferServerDeps): Promise<void> {
  const json = await readJson(req, res);
  if (!json) return;
  const result = validateDeposit(json.body);
  if (!result.ok) return send(res, 400, result.error as ValidationError);
  const d = result.deposit;
  if (!(await published(res, deps, 'deposit', d.request_id, () => overdraft.publishDeposit(d)))) return;
  send(res, 201, { request_id: d.request_id, account: d.account, amount: d.amount.toFixed(2) });
}

/** A transfer's status: pending until its sender's accountant decided, then completed or rejected (with a reason). */
async function getTransfer(rawId: string, res: http.ServerResponse, overdraft: NonNullable<TransferServerDeps['overdraft']>, deps: TransferServerDeps): Promise<void> {
  const requestId = normalizeUuid(rawId);
  if (requestId === undefined) return error(res, 400, 'request_id_invalid', 'transfer request ID must be valid UUID');
  const status = await overdraft.getTransferStatus(requestId);
  if (status === undefined) {
    if (deps.isReady?.() === false) return error(res, 503, 'not_ready', 'transfer statuses are still loading; retry shortly');
    return error(res, 404, 'transfer_not_found', `transfer ${requestId} not found`);
  }
  send(res, 200, { request_id: status.request_id, status: status.status.toLowerCase(), ...(status.reason ? { reason: status.reason } : {}) });
}

async function getAccount(account: string, res: http.ServerResponse, deps: TransferServerDeps): Promise<void> {
  const balance = await deps.getBalance(account);
  if (balance === undefined) {
    // Not found yet is not "not found" while the view catches up.
    if (deps.isReady?.() === false) return error(res, 503, 'not_ready', 'balances are still loading; retry shortly');
    return error(res, 404, 'account_not_found', `account ${account} not found`);
  }
  send(res, 200, { account: balance.account, balance: balance.balance.toFixed(2), currency: balance.currency });
}

async function route(req: http.IncomingMessage, res: http.ServerResponse, path: string, deps: TransferServerDeps) {
  const isGet = req.method === 'GET' || req.method === 'HEAD';
  // A request that cannot be routed may come with a body it did not declare (Node's own client sends the body of a
  // GET or DELETE with neither Content-Length nor chunked framing): on the wire those bytes look like the client's
  // next request, which would fail. So these answers close the connection, and the client's next request gets a
  // fresh one.
  const refuse = (status: number, code: string, message: string, headers: http.OutgoingHttpHeaders = {}) =>
    error(res, status, code, message, { ...headers, Connection: 'close' });
  const notAllowed = (allow: string) => refuse(405, 'method_not_allowed', `method ${req.method} not allowed on ${path}`, { Allow: allow });

  if (path === TRANSFERS) return req.method === 'POST' ? postTransfer(req, res, deps) : notAllowed('POST');
  const unprotected = () => refuse(404, 'overdraft_protection_off', `${path}: deposits and transfer statuses need a wallet with overdraft protection (--overdraft-limit)`);
  if (path === DEPOSITS) {
    if (!deps.overdraft) return unprotected();
    return req.method === 'POST' ? postDeposit(req, res, deps.overdraft, deps) : notAllowed('POST');
  }
  const t = TRANSFER.exec(path);
  if (t) {
    if (!deps.overdraft) return unprotected();
    if (!isGet) return notAllowed('GET, HEAD');
    let id: string;
    try {
      id = decodeURIComponent(t[1]);
    } catch {
      return refuse(400, 'request_id_invalid', 'transfer request ID must be valid UUID');
    }
    return getTransfer(id, res, deps.overdraft, deps);
  }
  if (path === HEALTHZ) {
    if (!isGet) return notAllowed('GET, HEAD');
    return deps.isReady?.() === false ? send(res, 503, { status: 'starting', message: 'the balance view is still catching up' }) : send(res, 200, { status: 'ok' });
  }
  const m = ACCOUNT.exec(path);
  if (m) {
    if (!isGet) return notAllowed('GET, HEAD');
    let account: string;
    try {
      account = decodeURIComponent(m[1]);
    } catch {
      return refuse(400, 'account_invalid', 'account must be valid percent-encoded UTF-8');
    }
    return getAccount(account, res, deps);
  }
  refuse(404, 'not_found', `no route for ${path}`);
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
    const fail = (err: unknown) => {
      deps.logger?.warn({ err, method: req.method, path }, 'request handler failed');
      if (!res.headersSent) internalError(res);
      else res.destroy();
    };
    // Only POST /api/v1/transfers and /api/v1/deposits read their body. Any other request that declares one is
    // answered once the body is off the wire (or, past MAX_BODY_BYTES, with the connection closed), so a keep-alive
    // client never sends its next request into a half-read one. Without a declared body the answer goes out at once.
    if (declaresBody(req) && !(readsBody(req.method, path) && (path === TRANSFERS || deps.overdraft))) {
      discardBody(req)
        .then((drained) => {
          if (!drained) res.setHeader('Connection', 'close');
          return route(req, res, path, deps);
        })
        .catch(fail);
    } else {
      route(req, res, path, deps).catch(fail);
    }
  });
}
