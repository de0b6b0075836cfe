/**
 * Issue 8, hole 2, on a real broker whose committed offsets expire after one minute (offsets.retention.minutes=1):
 * a static task's group `<app>-<task>` has no members, so the broker drops its offsets a minute after the last commit
 * even while nothing is wrong. A task that finds its offsets gone refuses to start (OFFSETS_LOST, naming what its
 * checkpoint says) instead of reprocessing from 0; `--reset-offsets to-checkpoint` resumes where the state says,
 * reprocessing nothing; and an idle task that keeps running re-commits its offsets, so they never expire.
 * The suite's broker is restarted with that setting for this file and restarted with its defaults afterwards.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { StreamsError } from '../../src/core/errors/streams-error';
import { KafkaTaskRunner } from '../../src/kafka/kafka-task-runner';
import { createKafka } from '../../src/kafka/kafka-connection';
import { createTopics, withAdmin } from '../../src/kafka/topic-admin';
import { dedupeTopology } from '../../bench/fixtures/dedupe-topology';
import { BROKER_START_TIMEOUT_MS, reconfigureBroker, useBroker } from '../support/broker';
import { readTopicToEnd } from '../support/read-topic';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const strings = { serialize: (s: string) => Buffer.from(s), deserialize: (b: Buffer) => b.toString() };

describe('committed offsets that expire (offsets.retention.minutes=1, real broker)', function () {
  this.timeout(300_000);
  let brokers: string;
  let kafka: Kafka;
  const dirs: string[] = [];
  const runners: KafkaTaskRunner[] = [];

  before(async function () {
    this.timeout(BROKER_START_TIMEOUT_MS);
    brokers = await useBroker();
    await reconfigureBroker({ 'offsets.retention.minutes': 1, 'offsets.retention.check.interval.ms': 2_000 });
    kafka = new Kafka({ clientId: 'offset-expiry-test', brokers: [brokers], logLevel: logLevel.NOTHING });
  });
  after(async function () {
    this.timeout(BROKER_START_TIMEOUT_MS);
    for (const r of runners) await r.stop().catch(() => undefined);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    await reconfigureBroker();
  });

  async function newApp(name: string) {
    const app = `${name}-${randomUUID().slice(0, 8)}`;
    const topology = dedupeTopology(app);
    await withAdmin(createKafka([brokers], `${app}-admin`), (admin) => createTopics(admin, topology.topics()));
    const stateDir = mkdtempSync(join(tmpdir(), `${app}-`));
    dirs.push(stateDir);
    const producer = kafka.producer();
    await producer.connect();
    const send = async (keys: string[]) => {
      await producer.send({ topic: `${app}.in`, messages: keys.map((key) => ({ key, value: key, partition: 0 })) });
    };
    const start = async (opts: { resetOffsets?: 'to-checkpoint'; offsetsKeepAliveMs?: number } = {}) => {
      const runner = new KafkaTaskRunner({ topology, taskId: 'ids-0', brokers: [brokers], stateDir, reportLines: false, ...opts });
      runners.push(runner);
      await runner.start();
      return runner;
    };
    const committed = async () => {
      const admin = kafka.admin();
      await admin.connect();
      try {
        const [res] = await admin.fetchOffsets({ groupId: `${app}-ids-0`, topics: [`${app}.in`] });
        return Number(res.partitions[0].offset);
      } finally {
        await admin.disconnect();
      }
    };
    return { app, send, start, committed, close: () => producer.disconnect() };
  }

  const until = async (what: string, cond: () => Promise<boolean> | boolean, timeoutMs: number) => {
    for (const deadline = Date.now() + timeoutMs; !(await cond()); await sleep(500)) if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
  };

  it('a task refuses to start past lost offsets, resumes at its checkpoint when told to, and an idle task keeps its offsets alive', async () => {
    const lost = await newApp('expiring');
    const alive = await newApp('kept-alive');
    try {
      // Both process 5 records; `lost` stops, `alive` keeps running idle and re-commits every 10 s.
      const a = await lost.start();
      const b = await alive.start({ offsetsKeepAliveMs: 10_000 });
      await Promise.all([lost.send(['k1', 'k2', 'k3', 'k4', 'k5']), alive.send(['k1', 'k2', 'k3', 'k4', 'k5'])]);
      await until('both tasks to commit 5 records', () => a.processed === 5 && b.processed === 5, 30_000);
      await a.stop();
      assert.equal(await lost.committed(), 5);

      // The broker drops the offsets of the group with no members a minute after its last commit.
      await until("the stopped task's offsets to expire", async () => (await lost.committed()) === -1, 150_000);
      assert.equal(await alive.committed(), 5, 'the idle running task re-committed its offsets: they are still there');

      await assert.rejects(lost.start(), (err: unknown) => {
        assert.ok(err instanceof StreamsError, String(err));
        assert.equal(err.code, 'OFFSETS_LOST');
        assert.match(err.message, /has no committed offset, but the task's checkpoint says it processed up to offset 5/);
        assert.match(err.message, /--reset-offsets to-checkpoint/);
        return true;
      });

      // Deliberately resumed at the checkpoint: the five records are not processed again.
      const resumed = await lost.start({ resetOffsets: 'to-checkpoint' });
      await lost.send(['k6']);
      await until('the resumed task to commit the new record', () => resumed.processed === 1, 30_000);
      const out = await readTopicToEnd(brokers, `${lost.app}.out`, strings, 30_000);
      assert.deepEqual(out.map((r) => r.key).sort(), ['k1', 'k2', 'k3', 'k4', 'k5', 'k6'], 'each record went out once');
      assert.equal(await lost.committed(), 6);
    } finally {
      await Promise.all([lost.close(), alive.close()]);
    }
  });
});
