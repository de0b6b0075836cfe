/**
 * Failover of a group-managed task holding many dedupe ids, on the real broker, with and without a standby:
 *   1. the changelog of task `ids-0` is filled with `ids` entries (as a long-running payment task leaves it);
 *   2. instance A (`topology run`, group-managed) takes the task and restores it; instance B joins (with
 *      `--standbys 1` it keeps a warm copy, else it idles);
 *   3. a trickle of fresh records flows in; A is SIGKILLed;
 *   4. failover time = from the SIGKILL to the first fresh record sent after it appearing on the output topic
 *      (read_committed), i.e. B's first commit of the moved task. B's log says how many records it restored.
 * The broker is the caller's (`node bin/run-ts.js bench/failover.ts BROKERS [ids]`); processes are stopped by pid.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { createKafka } from '../src/kafka/kafka-connection';
import { createTopics, withAdmin } from '../src/kafka/topic-admin';
import { dedupeTopology } from './fixtures/dedupe-topology';

const ROOT = resolve(__dirname, '..');
const TOPOLOGY = join(ROOT, 'bench', 'fixtures', 'dedupe-topology.ts');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const u64 = (n: number) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
};

interface Instance {
  child: ChildProcess;
  stderr: string;
}

function startInstance(app: string, brokers: string, name: string, standbys: number): Instance {
  const dir = mkdtempSync(join(tmpdir(), `bench-failover-${name}-`));
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'topology.js'), 'run', '--topology', TOPOLOGY, '--brokers', brokers, '--state-dir', dir, '--instance-id', name, '--standbys', String(standbys), '--quiet'], {
    cwd: ROOT,
    env: { ...process.env, BENCH_APP: app },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const instance: Instance = { child, stderr: '' };
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (instance.stderr += d));
  child.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return instance;
}

async function until(what: string, cond: () => boolean, timeoutMs: number): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !cond(); await sleep(50)) if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
}

async function failover(brokers: string, ids: number, standbys: number) {
  const app = `failover-${standbys}-${Date.now()}`;
  const topology = dedupeTopology(app);
  const admin = createKafka([brokers], `${app}-bench`);
  await withAdmin(admin, (a) => createTopics(a, topology.topics()));
  const kafka = new Kafka({ clientId: `${app}-bench`, brokers: [brokers], logLevel: logLevel.NOTHING });
  const fill = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await fill.connect();
  const now = Date.now();
  for (let i = 0; i < ids; i += 10_000) {
    const messages = Array.from({ length: Math.min(10_000, ids - i) }, (_, j) => ({ key: Buffer.from(`request-${i + j}`), value: u64(now), partition: 0 }));
    await fill.send({ topic: `${app}-seen-changelog`, acks: -1, messages });
  }
  await fill.disconnect();

  const a = startInstance(app, brokers, 'a', standbys);
  await until('A to run ids-0', () => a.stderr.includes('task ids-0 consuming'), 300_000);
  const b = startInstance(app, brokers, 'b', standbys);
  await until('B to join', () => b.stderr.includes('rebalance: this instance runs'), 60_000);
  if (standbys > 0) await until('B to follow the changelog', () => b.stderr.includes('standby ids-0 following its changelogs'), 60_000);
  // Let the standby catch up with the million ids (it reads them like a restore would).
  if (standbys > 0) await sleep(Math.max(5_000, ids / 50));

  const out = kafka.consumer({ groupId: `${app}-watch`, readUncommitted: false });
  await out.connect();
  await out.subscribe({ topics: [`${app}.out`], fromBeginning: false });
  let firstAfterKill: number | undefined;
  let killedAt = 0;
  await out.run({
    eachMessage: async ({ message }) => {
      if (firstAfterKill === undefined && message.key?.toString().startsWith('after-')) firstAfterKill = Date.now();
    },
  });
  await sleep(2_000);
  const input = kafka.producer();
  await input.connect();
  let n = 0;
  let tag = 'before';
  const trickle = setInterval(() => void input.send({ topic: `${app}.in`, messages: [{ key: `${tag}-${n++}`, value: 'x', partition: 0 }] }).catch(() => undefined), 50);
  await sleep(2_000);
  a.child.kill('SIGKILL');
  killedAt = Date.now();
  tag = 'after';
  await until('the moved task to commit', () => firstAfterKill !== undefined, 300_000);
  clearInterval(trickle);
  const restoredLine = b.stderr.split('\n').filter((l) => l.includes('"task":"ids-0"') && l.includes('restored (')).pop() ?? '';
  const restored = Number(/"restored":(\d+)/.exec(restoredLine)?.[1] ?? NaN);
  b.child.kill('SIGTERM');
  await Promise.all([input.disconnect(), out.disconnect()]);
  await new Promise((r) => b.child.once('exit', r));
  await withAdmin(admin, (x) => x.deleteTopics({ topics: topology.topics().map((t) => t.name) })).catch(() => undefined);
  return { ids, standbys, failoverSeconds: +((firstAfterKill! - killedAt) / 1000).toFixed(2), restoredByHeir: restored };
}

async function main(brokers: string, ids: number) {
  const results: Array<Awaited<ReturnType<typeof failover>>> = [];
  // A B A B: without, with, without, with.
  for (const standbys of [0, 1, 0, 1]) {
    const r = await failover(brokers, ids, standbys);
    console.error(JSON.stringify(r));
    results.push(r);
  }
  console.log(JSON.stringify({ bench: 'failover', brokers, ids, sessionTimeoutMs: 10_000, results }, null, 2));
}

if (process.argv[1]?.endsWith('failover.ts')) {
  main(process.argv[2] ?? '127.0.0.1:9092', Number(process.argv[3] ?? 1_000_000)).catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
