/**
 * Restart and rebuild of a task holding many dedupe ids, on the real broker: a 1-partition dedupe topology whose
 * changelog is filled with `ids` entries (as a long-running payment task leaves it), then
 *   rebuild: the task starts on an empty state directory and replays the whole changelog (records/s);
 *   restart: the task starts again on the state it left, with its checkpoint (time to consuming, then to the commit
 *            of a first new record).
 * The broker is started by compare.ts's helper on its own port and stopped by pid.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { defineTopology, Serdes } from '../src';
import { KafkaTaskRunner } from '../src/kafka/kafka-task-runner';
import { createTopics, withAdmin } from '../src/kafka/topic-admin';
import { createKafka } from '../src/kafka/kafka-connection';

const topologyOf = (app: string) =>
  defineTopology(app, (t) =>
    t.subTopology('ids', (s) =>
      s
        .stream<string, string>(`${app}.in`, { serdes: { key: Serdes.string(), value: Serdes.string() } })
        .dedupe({ name: 'seen', id: (r) => r.key, retention: '7d' })
        .to(`${app}.out`, { serdes: { key: Serdes.string(), value: Serdes.string() } }),
    ), { partitions: 1 });

const u64 = (n: number) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
};

export async function kafkaRestartCost(brokers: string, ids: number) {
  const app = `restart-${Date.now()}`;
  const topology = topologyOf(app);
  const kafka = createKafka([brokers], `${app}-bench`);
  await withAdmin(kafka, (admin) => createTopics(admin, topology.topics()));
  // Fill the changelog as the task would have: id → first-seen time, in big idempotent batches.
  const producer = new Kafka({ clientId: `${app}-fill`, brokers: [brokers], logLevel: logLevel.NOTHING }).producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const changelog = `${app}-seen-changelog`;
  const now = Date.now();
  for (let i = 0; i < ids; i += 10_000) {
    const messages = Array.from({ length: Math.min(10_000, ids - i) }, (_, j) => ({ key: Buffer.from(`request-${i + j}`), value: u64(now), partition: 0 }));
    await producer.send({ topic: changelog, acks: -1, messages });
  }
  await producer.disconnect();

  const stateDir = mkdtempSync(join(tmpdir(), 'bench-kafka-restart-'));
  const run = async () => {
    const runner = new KafkaTaskRunner({ topology, taskId: 'ids-0', brokers: [brokers], stateDir, reportLines: false });
    const t0 = Date.now();
    await runner.start(); // resolves once the task consumes (after fencing and restoring)
    const consumingSeconds = (Date.now() - t0) / 1000;
    return { runner, consumingSeconds };
  };
  try {
    const rebuild = await run();
    await rebuild.runner.stop();
    const restart = await run();
    // A first new record, timed to its commit.
    const input = new Kafka({ clientId: `${app}-in`, brokers: [brokers], logLevel: logLevel.NOTHING }).producer();
    await input.connect();
    const sent = Date.now();
    await input.send({ topic: `${app}.in`, messages: [{ key: 'fresh', value: 'x', partition: 0 }] });
    await input.disconnect();
    for (let waited = 0; restart.runner.processed === 0 && waited < 30_000; waited += 20) await new Promise((r) => setTimeout(r, 20));
    const firstCommitSeconds = (Date.now() - sent) / 1000;
    await restart.runner.stop();
    return {
      ids,
      rebuild: { seconds: rebuild.consumingSeconds, recordsPerSecond: Math.round(ids / rebuild.consumingSeconds) },
      restartWithCheckpoint: { toConsumingSeconds: restart.consumingSeconds, toFirstCommitSeconds: +(restart.consumingSeconds + firstCommitSeconds).toFixed(3) },
    };
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
    await withAdmin(kafka, (admin) => admin.deleteTopics({ topics: topology.topics().map((t) => t.name) })).catch(() => undefined);
  }
}

if (process.argv[1]?.endsWith('kafka-restart.ts')) {
  kafkaRestartCost(process.argv[2] ?? '127.0.0.1:9092', Number(process.argv[3] ?? 1_000_000)).then((r) => console.log(JSON.stringify(r, null, 2)), (e) => {
    console.error(e);
    process.exit(1);
  });
}
