import { strict as assert } from 'assert';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { BROKER_START_TIMEOUT_MS, createTopics, useBroker } from '../support/broker';

describe('real broker', function () {
  let brokers: string;

  before(async function () {
    this.timeout(BROKER_START_TIMEOUT_MS);
    brokers = await useBroker();
  });

  it('round-trips transactional records through a 2-partition topic (read_committed)', async function () {
    this.timeout(120_000);
    const topic = `smoke-${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
    await createTopics(brokers, [{ topic, partitions: 2 }]);
    await createTopics(brokers, [{ topic, partitions: 2 }]); // idempotent

    // kafkajs logs retriable errors (coordinator still loading, ...) at ERROR level; real failures still throw
    const kafka = new Kafka({ clientId: 'broker-smoke-test', brokers: brokers.split(','), logLevel: logLevel.NOTHING });

    const admin = kafka.admin();
    await admin.connect();
    try {
      const meta = await admin.fetchTopicMetadata({ topics: [topic] });
      assert.equal(meta.topics[0].partitions.length, 2);
    } finally {
      await admin.disconnect();
    }

    const producer = kafka.producer({
      createPartitioner: Partitioners.DefaultPartitioner,
      idempotent: true,
      maxInFlightRequests: 1,
      transactionalId: `${topic}-tx`,
    });
    await producer.connect();
    try {
      const committed = await producer.transaction();
      await committed.send({
        topic,
        messages: [
          { key: 'k0', value: 'first', partition: 0 },
          { key: 'k1', value: 'second', partition: 1 },
        ],
      });
      await committed.commit();

      // An aborted record must stay invisible to a read_committed consumer;
      // the committed marker after it proves the consumer read past it.
      const aborted = await producer.transaction();
      await aborted.send({ topic, messages: [{ key: 'k0', value: 'aborted', partition: 0 }] });
      await aborted.abort();

      const marker = await producer.transaction();
      await marker.send({ topic, messages: [{ key: 'k0', value: 'end', partition: 0 }] });
      await marker.commit();
    } finally {
      await producer.disconnect();
    }

    const consumer = kafka.consumer({ groupId: `${topic}-group`, readUncommitted: false });
    const seen: { partition: number; value: string }[] = [];
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out; saw ${JSON.stringify(seen)}`)), 60_000);
        consumer
          .run({
            eachMessage: async ({ partition, message }) => {
              seen.push({ partition, value: message.value?.toString() ?? '' });
              const values = seen.map((s) => s.value);
              if (values.includes('end') && values.includes('second')) {
                clearTimeout(timer);
                resolve();
              }
            },
          })
          .catch(reject);
      });
    } finally {
      await consumer.disconnect();
    }

    assert.deepEqual(
      seen.sort((a, b) => a.partition - b.partition || a.value.localeCompare(b.value)),
      [
        { partition: 0, value: 'end' },
        { partition: 0, value: 'first' },
        { partition: 1, value: 'second' },
      ],
    );
  });
});
