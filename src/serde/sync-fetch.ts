import { MessageChannel, Worker, receiveMessageOnPort } from 'node:worker_threads';

/**
 * A blocking HTTP GET, for the one place a synchronous deserializer must ask a server something: a record whose
 * writer schema id it has never seen (Confluent's Java deserializer blocks on the same request). A worker thread
 * does the request with `fetch`; this thread sleeps on a shared word until the worker posts the answer. The worker
 * is started on first use and does not keep the process alive.
 *
 * Rare by design: a serde asks once per unknown schema id and caches the answer, so the hot path never comes here.
 */
export interface SyncResponse {
  status: number;
  body: string;
}

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
parentPort.on('message', async ({ url, headers, timeoutMs, done, port }) => {
  let reply;
  try {
    const res = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs) });
    reply = { status: res.status, body: await res.text() };
  } catch (err) {
    reply = { error: String((err && (err.cause && err.cause.message || err.message)) || err) };
  }
  port.postMessage(reply);
  port.close();
  Atomics.store(done, 0, 1);
  Atomics.notify(done, 0);
});
`;

let worker: Worker | undefined;

function theWorker(): Worker {
  if (!worker) {
    worker = new Worker(WORKER_SOURCE, { eval: true });
    worker.unref();
    worker.on('error', () => (worker = undefined));
    worker.on('exit', () => (worker = undefined));
  }
  return worker;
}

/** GETs `url` and returns status and body; throws (with the reason) when there is no answer within `timeoutMs`. */
export function fetchSync(url: string, opts: { headers?: Record<string, string>; timeoutMs?: number } = {}): SyncResponse {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const done = new Int32Array(new SharedArrayBuffer(4));
  const { port1, port2 } = new MessageChannel();
  try {
    theWorker().postMessage({ url, headers: opts.headers ?? {}, timeoutMs, done, port: port2 }, [port2]);
    // The worker aborts its request at timeoutMs; the extra second covers its start-up on first use.
    if (Atomics.wait(done, 0, 0, timeoutMs + 1_000) === 'timed-out') throw new Error(`no answer from ${url} within ${timeoutMs} ms`);
    const reply = receiveMessageOnPort(port1)?.message as (SyncResponse & { error?: string }) | undefined;
    if (!reply) throw new Error(`no answer from ${url}`);
    if (reply.error !== undefined) throw new Error(`GET ${url} failed: ${reply.error}`);
    return { status: reply.status, body: reply.body };
  } finally {
    port1.close();
  }
}
