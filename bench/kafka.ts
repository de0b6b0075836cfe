import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { createKafka } from '../src/kafka/kafka-connection';
import { createTopics, withAdmin } from '../src/kafka/topic-admin';
import { TopicProducer } from '../src/kafka/topic-producer';
import { buildWallet, walletTopics } from '../topology/wallet/topology';
import { TransferRequest } from '../topology/wallet/types';
import { transfers } from './workload';

const ROOT = join(__dirname, '..');
const BIN = join(ROOT, 'bin', 'topology.js');

function spawnCli(args: string[], env: NodeJS.ProcessEnv): { child: ChildProcess; out: () => string; err: () => string } {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, ...env } });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  return { child, out: () => out, err: () => err };
}

async function until(what: string, ok: () => boolean, ms: number) {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The wallet on a real broker: four task processes, `n` transfers produced at once, time until every balance is out. */
export async function benchKafka(brokers: string, n: number, stateDir: string) {
  const id = `bench-${randomUUID().slice(0, 8)}`;
  const topology = buildWallet({ applicationId: id, topics: walletTopics(`${id}.`) });
  const env = { WALLET_ID: id, KAFKA_BROKERS: brokers, LOG_LEVEL: 'warn' };
  // Every run has its own topics (so runs never mix); they are deleted at the end.
  const fixture = join(ROOT, 'test', 'fixtures', 'isolated-wallet.ts');
  const kafka = createKafka([brokers], 'bench');
  await withAdmin(kafka, (admin) => createTopics(admin, topology.topics()));
  // The API alone first (its transfers wait in the topic): with the tasks running it would share the two cores.
  const apiRequests = Math.min(n, 2000);
  const api = await benchApi(fixture, env, apiRequests);
  const tasks = topology.tasks().map((t) => spawnCli(['run', '--task', t.id, '--topology', fixture, '--state-dir', stateDir], env));
  const balanceLines = () => tasks.reduce((sum, t) => sum + (t.out().match(/ balance: /g)?.length ?? 0), 0);
  try {
    // Drain the API's transfers, so the timed part below is the pipeline alone.
    await until('the API transfers to be processed', () => balanceLines() >= 2 * apiRequests, 300_000);
    const producer = await TopicProducer.connect<string, TransferRequest>(kafka, topology, `${id}.transfer_request`, { key: (t) => t.request_id });
    const batch = transfers(n, 7);
    const start = Date.now();
    for (let i = 0; i < batch.length; i += 500) await producer.send(batch.slice(i, i + 500).map((value) => ({ value })));
    await until('all balances', () => balanceLines() >= 2 * (n + apiRequests), 300_000);
    const seconds = (Date.now() - start) / 1000;
    await producer.close();
    return { pipeline: { transfers: n, seconds, transfersPerSecond: Math.round(n / seconds), taskProcesses: tasks.length }, transferApi: api };
  } finally {
    await Promise.all(tasks.map((t) => new Promise((resolve) => (t.child.exitCode !== null ? resolve(null) : (t.child.once('exit', resolve), t.child.kill('SIGTERM'))))));
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: topology.topics().map((t) => t.name) }).catch(() => undefined);
    await admin.disconnect();
  }
}

/** `topology serve` into the broker: `n` POSTs from 32 concurrent clients, each answered 201 only once produced (acks=all). */
async function benchApi(fixture: string, env: NodeJS.ProcessEnv, n: number) {
  const serve = spawnCli(['serve', '--http', '127.0.0.1:0', '--topology', fixture], env);
  try {
    await until('serve to listen', () => /transfer API on http/.test(serve.err()), 60_000);
    const base = /transfer API on (http:\/\/[\d.:]+)/.exec(serve.err())![1];
    const bodies = transfers(n, 11).map((t) => JSON.stringify({ request_id: randomUUID(), from: t.from, to: t.to, amount: t.amount.toFixed(2) }));
    let next = 0;
    let failed = 0;
    const latencies: number[] = [];
    const start = Date.now();
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (next < bodies.length) {
          const body = bodies[next++];
          const t0 = performance.now();
          const res = await fetch(`${base}/api/v1/transfers`, { method: 'POST', body });
          await res.arrayBuffer();
          latencies.push(performance.now() - t0);
          if (res.status !== 201) failed++;
        }
      }),
    );
    const seconds = (Date.now() - start) / 1000;
    latencies.sort((a, b) => a - b);
    const pct = (p: number) => +latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))].toFixed(1);
    return { requests: n, concurrency: 32, failed, seconds, requestsPerSecond: Math.round(n / seconds), latencyMs: { p50: pct(0.5), p99: pct(0.99) } };
  } finally {
    serve.child.kill('SIGTERM');
  }
}
