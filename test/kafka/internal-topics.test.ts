/**
 * Issue 8, hole 5, second half, on a real broker: an internal topic (written and read by the topology) is created
 * with retention.ms=-1, so a consumer task stopped for longer than any retention loses nothing; with
 * `purgeInternalTopics` (`--purge-internal-topics`) the task that consumes it deletes what it has committed past
 * (deleteRecords), as Kafka Streams does for repartition topics. Off by default: the wallet's internal topic is its
 * ledger.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { ConfigResourceTypes, Kafka, logLevel } from 'kafkajs';
import { defineTopology, Serdes } from '../../src';
import { KafkaTaskRunner } from '../../src/kafka/kafka-task-runner';
import { createKafka } from '../../src/kafka/kafka-connection';
import { createTopics, withAdmin } from '../../src/kafka/topic-admin';
import { BROKER_START_TIMEOUT_MS, useBroker } from '../support/broker';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const strings = { key: Serdes.string(), value: Serdes.string() };

/** in → first → mid (internal) → second → out, one partition. */
const twoHops = (app: string) =>
  defineTopology(
    app,
    (t) => {
      t.subTopology('first', (s) => s.stream<string, string>(`${app}.in`, { serdes: strings, name: 'in' }).mapValues((v) => `${v}!`, { name: 'shout' }).to(`${app}.mid`, { serdes: strings, name: 'to-mid' }));
      t.subTopology('second', (s) => s.stream<string, string>(`${app}.mid`, { serdes: strings, name: 'from-mid' }).to(`${app}.out`, { serdes: strings, name: 'to-out' }));
    },
    { partitions: 1 },
  );

describe('internal topics: kept whole, purged once consumed when asked (real broker)', function () {
  this.timeout(120_000);
  let brokers: string;
  let kafka: Kafka;
  const cleanups: Array<() => Promise<void> | void> = [];
  before(async function () {
    this.timeout(BROKER_START_TIMEOUT_MS);
    brokers = await useBroker();
    kafka = new Kafka({ clientId: 'internal-topics-test', brokers: [brokers], logLevel: logLevel.NOTHING });
  });
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function run(purge: boolean) {
    const app = `hops-${randomUUID().slice(0, 8)}`;
    const topology = twoHops(app);
    await withAdmin(createKafka([brokers], `${app}-admin`), (admin) => createTopics(admin, topology.topics()));
    const stateDir = mkdtempSync(join(tmpdir(), `${app}-`));
    cleanups.push(() => rmSync(stateDir, { recursive: true, force: true }));
    const runners = ['first-0', 'second-0'].map((taskId) => new KafkaTaskRunner({ topology, taskId, brokers: [brokers], stateDir, reportLines: false, purgeInternalTopics: purge, purgeIntervalMs: 0 }));
    for (const r of runners) {
      cleanups.push(() => r.stop());
      await r.start();
    }
    const producer = kafka.producer();
    await producer.connect();
    cleanups.push(() => producer.disconnect());
    const admin = kafka.admin();
    await admin.connect();
    cleanups.push(() => admin.disconnect());
    for (let i = 0; i < 4; i++) {
      await producer.send({ topic: `${app}.in`, messages: [{ key: `k${i}`, value: `v${i}`, partition: 0 }] });
      for (const deadline = Date.now() + 30_000; runners[1].processed < i + 1; await sleep(50)) if (Date.now() > deadline) throw new Error('second-0 did not process');
    }
    // One more commit after the last, so a purge runs past everything consumed.
    await producer.send({ topic: `${app}.in`, messages: [{ key: 'k4', value: 'v4', partition: 0 }] });
    for (const deadline = Date.now() + 30_000; runners[1].processed < 5; await sleep(50)) if (Date.now() > deadline) throw new Error('second-0 did not process');
    await sleep(1_000);
    const [mid] = await admin.fetchTopicOffsets(`${app}.mid`);
    const [committed] = (await admin.fetchOffsets({ groupId: `${app}-second-0`, topics: [`${app}.mid`] }))[0].partitions;
    const { resources } = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: `${app}.mid`, configNames: ['retention.ms'] }] });
    return { low: Number(mid.low), committed: Number(committed.offset), retention: resources[0].configEntries[0]?.configValue };
  }

  it('the internal topic keeps everything (retention.ms=-1), and by default nothing is deleted', async () => {
    const { low, committed, retention } = await run(false);
    assert.equal(retention, '-1');
    assert.ok(committed > 0);
    assert.equal(low, 0, 'every record of the internal topic is still there');
  });

  it('with purgeInternalTopics the consumer task deletes what it committed past, and nothing it has not', async () => {
    const { low, committed } = await run(true);
    assert.ok(low > 0, `records were deleted (log start ${low})`);
    assert.ok(low <= committed, `never past the committed offset (log start ${low}, committed ${committed})`);
  });
});
