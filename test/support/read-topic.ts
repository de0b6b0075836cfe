/**
 * Reads a whole topic from the beginning with a read_committed kafkajs consumer (a unique group id each time, so
 * nothing is shared with the tasks or other readers) and decodes keys as UTF-8 strings and values with a serde
 * (e.g. the wallet's Avro serdes). Only committed records are ever seen: what a downstream consumer would see.
 *
 * `TopicReader` keeps consuming in the background (poll `records` / `waitForCount`); `readTopic` is the one-shot
 * form: until `expected` records arrived (then `settleMs` more to catch extras) or `timeoutMs` passed.
 */
import { randomUUID } from 'node:crypto';
import { Consumer, Kafka, logLevel } from 'kafkajs';
import { Serde } from '../../src/serde/serde';

export interface TopicRecord<V> {
  partition: number;
  offset: number;
  key: string | null;
  value: V;
  timestamp: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class TopicReader<V> {
  readonly records: Array<TopicRecord<V>> = [];
  private consumer?: Consumer;
  private kafka?: Kafka;
  private failure?: unknown;
  /** partition -> next offset to read (past aborted records and transaction markers too). */
  readonly positions = new Map<number, number>();
  readonly groupId = `test-reader-${randomUUID()}`;

  private constructor(
    private readonly brokers: string,
    readonly topic: string,
    private readonly serde: Serde<V>,
  ) {}

  static async start<V>(brokers: string, topic: string, serde: Serde<V>): Promise<TopicReader<V>> {
    const reader = new TopicReader(brokers, topic, serde);
    await reader.run();
    return reader;
  }

  private async run(): Promise<void> {
    const kafka = (this.kafka = new Kafka({ clientId: this.groupId, brokers: this.brokers.split(','), logLevel: logLevel.NOTHING }));
    this.consumer = kafka.consumer({ groupId: this.groupId, readUncommitted: false, maxWaitTimeInMs: 200, sessionTimeout: 30_000 });
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.topic, fromBeginning: true });
    this.consumer.on(this.consumer.events.CRASH, (e) => (this.failure = e.payload.error));
    // batch end offsets include control records (commit/abort markers), which no message ever reports
    this.consumer.on(this.consumer.events.END_BATCH_PROCESS, (e) => {
      if (e.payload.topic !== this.topic) return;
      const next = Number(e.payload.lastOffset) + 1;
      if (next > (this.positions.get(e.payload.partition) ?? 0)) this.positions.set(e.payload.partition, next);
    });
    await this.consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        if (message.value === null) return;
        try {
          this.records.push({
            partition,
            offset: Number(message.offset),
            key: message.key === null ? null : message.key.toString('utf8'),
            value: this.serde.deserialize(message.value, this.topic),
            timestamp: Number(message.timestamp),
          });
        } catch (err) {
          this.failure = err;
        }
      },
    });
  }

  /** Waits until at least `expected` records arrived; fails with what was seen at the deadline. */
  async waitForCount(expected: number, timeoutMs: number, describe: (r: Array<TopicRecord<V>>) => string = () => ''): Promise<Array<TopicRecord<V>>> {
    const deadline = Date.now() + timeoutMs;
    while (this.records.length < expected) {
      if (this.failure) throw new Error(`reading ${this.topic} failed: ${String(this.failure)}`);
      if (Date.now() >= deadline) {
        throw new Error(`expected ${expected} committed records on ${this.topic} within ${timeoutMs} ms, saw ${this.records.length} ${describe(this.records)}`);
      }
      await sleep(100);
    }
    return this.records;
  }

  /**
   * Waits until this reader has read every partition up to the end offsets (high watermarks) it finds now: all
   * that was written so far is then either among `records` or aborted. An open transaction holds read_committed
   * readers back, so this also waits for it to end. Fails with the positions vs the end offsets at the deadline.
   */
  async waitForEnd(timeoutMs: number): Promise<Array<TopicRecord<V>>> {
    const admin = this.kafka!.admin();
    await admin.connect();
    let ends: Array<{ partition: number; high: number }>;
    try {
      ends = (await admin.fetchTopicOffsets(this.topic)).map((o) => ({ partition: o.partition, high: Number(o.high) }));
    } finally {
      await admin.disconnect();
    }
    const deadline = Date.now() + timeoutMs;
    const behind = () => ends.filter((e) => (this.positions.get(e.partition) ?? 0) < e.high);
    while (behind().length > 0) {
      if (this.failure) throw new Error(`reading ${this.topic} failed: ${String(this.failure)}`);
      if (Date.now() >= deadline) {
        const where = ends.map((e) => `${e.partition}: read up to ${this.positions.get(e.partition) ?? 0} of ${e.high}`).join(', ');
        throw new Error(`expected to read ${this.topic} to its end within ${timeoutMs} ms (${where}); ${this.records.length} records so far`);
      }
      await sleep(100);
    }
    return this.records;
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect().catch(() => undefined);
    this.consumer = undefined;
  }
}

/** Every committed record of `topic` up to its end offsets at the time of the call (bounded by `timeoutMs`). */
export async function readTopicToEnd<V>(brokers: string, topic: string, serde: Serde<V>, timeoutMs: number): Promise<Array<TopicRecord<V>>> {
  const reader = await TopicReader.start(brokers, topic, serde);
  try {
    return [...(await reader.waitForEnd(timeoutMs))];
  } finally {
    await reader.stop();
  }
}

/**
 * All committed records of `topic`: returns once `expected` arrived and `settleMs` more passed without the count
 * changing again (extras are returned too, for the caller to assert on), or when `timeoutMs` passed (what was seen).
 */
export async function readTopic<V>(
  brokers: string,
  topic: string,
  serde: Serde<V>,
  opts: { expected: number; timeoutMs: number; settleMs?: number },
): Promise<Array<TopicRecord<V>>> {
  const reader = await TopicReader.start(brokers, topic, serde);
  try {
    const deadline = Date.now() + opts.timeoutMs;
    while (reader.records.length < opts.expected && Date.now() < deadline) await sleep(100);
    if (reader.records.length >= opts.expected && opts.settleMs) await sleep(opts.settleMs);
    return [...reader.records];
  } finally {
    await reader.stop();
  }
}

/** Committed offset of a consumer group on one partition (-1 if none). */
export async function committedOffset(brokers: string, groupId: string, topic: string, partition: number): Promise<number> {
  const kafka = new Kafka({ clientId: `test-offsets-${randomUUID()}`, brokers: brokers.split(','), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const groups = await admin.fetchOffsets({ groupId, topics: [topic] });
    const found = groups.flatMap((g) => g.partitions).find((p) => p.partition === partition);
    return found ? Number(found.offset) : -1;
  } finally {
    await admin.disconnect();
  }
}

/** Polls a group's committed offset on a partition until it reaches `atLeast`; fails with the last value seen. */
export async function waitForCommittedOffset(brokers: string, groupId: string, topic: string, partition: number, atLeast: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let last = -1;
  for (;;) {
    last = await committedOffset(brokers, groupId, topic, partition).catch(() => last);
    if (last >= atLeast) return last;
    if (Date.now() >= deadline) throw new Error(`group ${groupId}: expected committed offset >= ${atLeast} on ${topic}-${partition} within ${timeoutMs} ms, last seen ${last}`);
    await sleep(250);
  }
}
