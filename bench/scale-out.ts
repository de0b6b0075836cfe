/**
 * Throughput of the wallet with 1, 2 and 3 group-managed instances (`topology run` without --task/--all, one process
 * each, own state dirs) on the real broker, in the order 1 2 3 3 2 1 so drift on this noisy machine shows:
 *   a backlog of `transfers` transfer requests (10 % retries) is produced first; then the instances start, and the
 *   clock runs from the first committed input offset of the application's group until every input offset is
 *   committed and the accountants' committed offsets on wallet.payment have reached its end (less its trailing commit
 *   markers). Rate = transfers / that time.
 * `node bin/run-ts.js bench/scale-out.ts BROKERS [transfers]`; processes are stopped by pid.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { TopicProducer } from '../src/kafka/topic-producer';
import { createKafka } from '../src/kafka/kafka-connection';
import { createTopics, withAdmin } from '../src/kafka/topic-admin';
import { buildWallet, walletTopics } from '../topology/wallet/topology';
import { TransferRequest } from '../topology/wallet/types';
import { walletWorkload } from './compare';

const ROOT = resolve(__dirname, '..');
const WALLET = join(ROOT, 'test', 'fixtures', 'isolated-wallet.ts');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function run(brokers: string, transfers: number, instances: number) {
  const id = `scale-${instances}-${Date.now()}`;
  const topics = walletTopics(`${id}.`);
  const topology = buildWallet({ applicationId: id, topics });
  const kafkaAdmin = createKafka([brokers], `${id}-bench`);
  await withAdmin(kafkaAdmin, (a) => createTopics(a, topology.topics()));
  const producer = await TopicProducer.connect<string, TransferRequest>(kafkaAdmin, topology, topics.transferRequest, { key: (t) => t.request_id });
  const workload = walletWorkload(transfers, 1_000);
  for (let i = 0; i < workload.records.length; i += 5_000) await producer.send(workload.records.slice(i, i + 5_000).map((value) => ({ value })));
  await producer.close();

  const kafka = new Kafka({ clientId: `${id}-watch`, brokers: [brokers], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const committed = async (topic: string) => {
    const [res] = await admin.fetchOffsets({ groupId: id, topics: [topic] });
    return res.partitions.reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
  };
  const end = async (topic: string) => (await admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.high), 0);
  const inputEnd = await end(topics.transferRequest);

  const dirs: string[] = [];
  const children: ChildProcess[] = [];
  for (let i = 0; i < instances; i++) {
    const dir = mkdtempSync(join(tmpdir(), `bench-scale-${i}-`));
    dirs.push(dir);
    children.push(spawn(process.execPath, [join(ROOT, 'bin', 'topology.js'), 'run', '--topology', WALLET, '--brokers', brokers, '--state-dir', dir, '--quiet', '--instance-id', `i${i}`], { cwd: ROOT, env: { ...process.env, WALLET_ID: id, LOG_LEVEL: 'warn' }, stdio: 'ignore' }));
  }
  try {
    let started: number | undefined;
    for (const deadline = Date.now() + 600_000; ; await sleep(100)) {
      if (Date.now() > deadline) throw new Error(`${instances} instances did not finish ${transfers} transfers in 600 s`);
      const input = await committed(topics.transferRequest);
      if (started === undefined && input > 0) started = Date.now();
      if (input < inputEnd) continue;
      // Each partition of wallet.payment ends with at most two commit markers (one per payment task writing to it).
      const paymentEnd = await end(topics.payment);
      if ((await committed(topics.payment)) >= paymentEnd - 2 * 2) break;
    }
    const seconds = (Date.now() - started!) / 1000;
    return { instances, transfers, seconds: +seconds.toFixed(2), transfersPerSecond: Math.round(workload.records.length / seconds), distinct: workload.distinct };
  } finally {
    for (const c of children) c.kill('SIGKILL');
    await admin.disconnect();
    await sleep(500);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    await withAdmin(kafkaAdmin, (a) => a.deleteTopics({ topics: topology.topics().map((t) => t.name) })).catch(() => undefined);
  }
}

async function main(brokers: string, transfers: number) {
  const results: Array<Awaited<ReturnType<typeof run>>> = [];
  for (const instances of [1, 2, 3, 3, 2, 1]) {
    const r = await run(brokers, transfers, instances);
    console.error(JSON.stringify(r));
    results.push(r);
  }
  const mean = (k: number) => Math.round(results.filter((r) => r.instances === k).reduce((s, r) => s + r.transfersPerSecond, 0) / 2);
  console.log(JSON.stringify({ bench: 'scale-out', brokers, transfers, cores: require('node:os').cpus().length, results, meanTransfersPerSecond: { 1: mean(1), 2: mean(2), 3: mean(3) } }, null, 2));
}

if (process.argv[1]?.endsWith('scale-out.ts')) {
  main(process.argv[2] ?? '127.0.0.1:9092', Number(process.argv[3] ?? 100_000)).catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
