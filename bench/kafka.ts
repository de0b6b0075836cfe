import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { createKafka } from '../src/kafka/kafka-connection';
import { createTopics } from '../src/kafka/topic-admin';
import { TopicProducer } from '../src/kafka/topic-producer';
import { buildWallet, walletTopics } from '../topology/wallet';
import { TransferRequest } from '../topology/wallet-types';
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
  const fixture = join(ROOT, 'test', 'fixtures', 'isolated-wallet.ts');
  const kafka = createKafka([brokers], 'bench');
  await createTopics(kafka, topology.topics());
  const tasks = topology.tasks().map((t) => spawnCli(['run', '--task', t.id, '--topology', fixture, '--state-dir', stateDir], env));
  const balanceLines = () => tasks.reduce((sum, t) => sum + (t.out().match(/ balance: /g)?.length ?? 0), 0);
  try {
    await until('tasks to consume', () => tasks.every((t) => /consuming/.test(t.err())), 60_000).catch(async () => {
      await new Promise((r) => setTimeout(r, 5000)); // at LOG_LEVEL=warn the "consuming" line is not printed
    });
    const producer = await TopicProducer.connect<string, TransferRequest>(kafka, topology, `${id}.transfer_request`, { key: (t) => t.request_id });
    const batch = transfers(n, 7);
    const start = Date.now();
    for (let i = 0; i < batch.length; i += 500) await producer.send(batch.slice(i, i + 500).map((value) => ({ value })));
    await until('all balances', () => balanceLines() >= 2 * n, 300_000);
    const seconds = (Date.now() - start) / 1000;
    await producer.close();
    return { transfers: n, seconds, transfersPerSecond: Math.round(n / seconds), taskProcesses: tasks.length };
  } finally {
    for (const t of tasks) t.child.kill('SIGTERM');
  }
}
