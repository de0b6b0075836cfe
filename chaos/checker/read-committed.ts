/**
 * Reads whole topics from the beginning with a read_committed kafkajs consumer (a client library, not our runtime):
 * what any downstream service sees. Records stay raw (key and value bytes); the checker decodes them itself.
 *
 * "The end" is each partition's last stable offset when the read starts (ListOffsets, read_committed). The consumer
 * is done with a partition once its fetched batches (which count aborted records and transaction markers, never
 * delivered as messages) reach that offset.
 */
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';

export interface RawRecord {
  topic: string;
  partition: number;
  offset: number;
  key: Buffer | null;
  value: Buffer | null;
}

export interface TopicContents {
  records: RawRecord[];
  /** Per partition: the log start offset (0 unless retention or deleteRecords removed records) and the end read to. */
  bounds: Map<number, { start: number; end: number }>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function readCommitted(brokers: string, topics: string[], timeoutMs: number): Promise<Map<string, TopicContents>> {
  const kafka = new Kafka({ clientId: `chaos-checker-${randomUUID()}`, brokers: brokers.split(','), logLevel: logLevel.NOTHING });
  const out = new Map<string, TopicContents>(topics.map((t) => [t, { records: [], bounds: new Map() }]));
  const admin = kafka.admin();
  await admin.connect();
  try {
    for (const topic of topics) {
      for (const o of await admin.fetchTopicOffsets(topic)) {
        out.get(topic)!.bounds.set(o.partition, { start: Number(o.low), end: Number(o.high) });
      }
    }
  } finally {
    await admin.disconnect();
  }

  const positions = new Map<string, number>();
  /** Per topic/partition: the offset after the last record handed out. */
  const delivered = new Map<string, number>();
  const behind = () =>
    topics.flatMap((topic) => [...out.get(topic)!.bounds].filter(([p, b]) => (positions.get(`${topic}/${p}`) ?? b.start) < b.end).map(([p, b]) => `${topic}[${p}] at ${positions.get(`${topic}/${p}`) ?? 0} of ${b.end}`));
  if (behind().length === 0) return out;

  const consumer = kafka.consumer({ groupId: `chaos-checker-${randomUUID()}`, readUncommitted: false, maxWaitTimeInMs: 250, sessionTimeout: 60_000 });
  let failure: unknown;
  consumer.on(consumer.events.CRASH, (e) => (failure = e.payload.error));
  consumer.on(consumer.events.END_BATCH_PROCESS, (e) => {
    const key = `${e.payload.topic}/${e.payload.partition}`;
    positions.set(key, Math.max(positions.get(key) ?? 0, Number(e.payload.lastOffset) + 1));
  });
  await consumer.connect();
  try {
    for (const topic of topics) await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const records = out.get(batch.topic)!.records;
        const key = `${batch.topic}/${batch.partition}`;
        for (const m of batch.messages) {
          // a redelivery (after a rebalance, say) must not look like a duplicate in the log
          if (Number(m.offset) < (delivered.get(key) ?? 0)) continue;
          delivered.set(key, Number(m.offset) + 1);
          records.push({ topic: batch.topic, partition: batch.partition, offset: Number(m.offset), key: m.key ?? null, value: m.value ?? null });
        }
      },
    });
    const deadline = Date.now() + timeoutMs;
    while (behind().length > 0) {
      if (failure) throw new Error(`reading ${topics.join(', ')} failed: ${String(failure)}`);
      if (Date.now() >= deadline) throw new Error(`could not read to the end within ${timeoutMs} ms: ${behind().join('; ')}`);
      await sleep(100);
    }
  } finally {
    await consumer.disconnect().catch(() => undefined);
  }
  return out;
}
