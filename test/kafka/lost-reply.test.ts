/**
 * A produce whose reply is lost. kafkajs rolls an idempotent producer's sequence number back on any send error, even
 * when the broker appended the batch; the next batch then reuses the sequence and the broker acknowledges it as a
 * duplicate of the earlier one without writing it. `TopicProducer` retires a producer after a failed send.
 */
import { strict as assert } from 'node:assert';
import { Kafka, logLevel } from 'kafkajs';
import { defineTopology, Serdes } from '../../src';
import { ProduceOutcomeUnknownError, TopicProducer } from '../../src/kafka/topic-producer';
import { BROKER_START_TIMEOUT_MS, createTopics, pauseBroker, useBroker } from '../support/broker';
import { readTopic } from '../support/read-topic';

describe('TopicProducer after a lost produce reply (real broker, paused with SIGSTOP)', function () {
  let brokers: string;
  before(async function () {
    this.timeout(BROKER_START_TIMEOUT_MS);
    brokers = await useBroker();
  });

  it('a send after a failed one is written, not acknowledged as a duplicate of it', async function () {
    this.timeout(120_000);
    const topic = `lost-reply-${Date.now()}`;
    await createTopics(brokers, [{ topic, partitions: 1 }]);
    const topology = defineTopology('lost-reply', (t) =>
      t.subTopology('s', (s) => s.stream(topic, { serdes: { key: Serdes.string(), value: Serdes.string() } }).to(`${topic}-out`, { serdes: { key: Serdes.string(), value: Serdes.string() } })),
    { partitions: 1 });
    // A client that gives up quickly, as `serve` does, so a paused broker makes the send fail.
    const kafka = new Kafka({ clientId: 'lost-reply', brokers: brokers.split(','), logLevel: logLevel.NOTHING, requestTimeout: 1500, retry: { retries: 1, initialRetryTime: 100, maxRetryTime: 200 } });
    const producer = await TopicProducer.connect<string, string>(kafka, topology, topic);
    try {
      await producer.send([{ key: 'warm-up', value: 'w' }]);
      const paused = pauseBroker(8000);
      await new Promise((r) => setTimeout(r, 200));
      await assert.rejects(producer.send([{ key: 'a', value: 'A' }]), (err: unknown) => err instanceof ProduceOutcomeUnknownError && err.retriable);
      await paused; // the broker resumes and appends A: only its reply was lost
      await producer.send([{ key: 'b', value: 'B' }]);
      const values = (await readTopic(brokers, topic, Serdes.string(), { expected: 3, timeoutMs: 20_000 })).map((r) => r.value);
      assert.ok(values.includes('B'), `B must be in the topic, got [${values.join(', ')}]`);
    } finally {
      await producer.close();
    }
  });
});
