/**
 * A task that stalls (a long GC, SIGSTOP, a slow disk) past its transaction timeout: the coordinator aborts the
 * transaction and bumps the producer epoch, which kafkajs reports just as it reports a fence. It is not one (no other
 * instance runs the task): the task must restart, not stop for good (and, under --all, not stop its siblings).
 */
import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { StreamsError } from '../../src/core/errors/streams-error';
import { createKafka } from '../../src/kafka/kafka-connection';
import { KafkaTaskLog, TaskFencedError } from '../../src/kafka/kafka-task-log';
import { Producer } from '../../src/kafka/kafkajs';
import { BROKER_START_TIMEOUT_MS, createTopics, useBroker } from '../support/broker';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a transaction that expired while its task stalled (real broker)', function () {
  let brokers: string;
  before(async function () {
    this.timeout(BROKER_START_TIMEOUT_MS);
    brokers = await useBroker();
  });

  it('is told from a fence: a retriable TRANSACTION_EXPIRED, not TASK_FENCED', async function () {
    this.timeout(90_000);
    const id = `expired-${randomUUID().slice(0, 8)}`;
    await createTopics(brokers, [{ topic: id, partitions: 1 }]);
    const kafka = createKafka([brokers], id);
    const admin = kafka.admin();
    const producer = kafka.producer({ transactionalId: `${id}-task-0`, idempotent: true, maxInFlightRequests: 1, transactionTimeout: 1000 });
    await Promise.all([admin.connect(), producer.connect()]);
    try {
      // The task stalls between sending its batch and committing it: 15 s, well past the 1 s timeout and the
      // broker's check for timed-out transactions (every 10 s).
      const stalling: Producer = Object.assign(Object.create(producer), {
        transaction: async () => {
          const tx = await producer.transaction();
          return { ...tx, commit: async () => (await sleep(15_000), tx.commit()) };
        },
      });
      const log = new KafkaTaskLog({ kafka, taskId: 'task-0', groupId: `${id}-task-0`, producer: stalling, admin });
      const record = { topic: id, partition: 0, timestamp: Date.now(), key: Buffer.from('k'), value: Buffer.from('v') };
      await assert.rejects(log.commitTransaction({ records: [record], offsets: [] }), (err: unknown) => {
        assert.ok(err instanceof StreamsError, String(err));
        assert.ok(!(err instanceof TaskFencedError), `not a fence: ${String(err)}`);
        assert.equal(err.code, 'TRANSACTION_EXPIRED');
        assert.equal(err.retriable, true);
        return true;
      });
    } finally {
      await Promise.all([producer.disconnect().catch(() => undefined), admin.disconnect()]);
    }
  });
});
