import { randomUUID } from 'node:crypto';
import { Consumer, Kafka } from './kafkajs';
import { Serde } from '../serde/serde';
import { Logger, silentLogger } from '../core/logger';
import { allPartitionsAssigner } from './task-assigner';
import { SchemaRegistryOption, resolveSchemaRegistry, serdeUsesSchemaRegistry } from './schema-registry-setup';

/**
 * A local, read-only table of a topic: the latest value per key, read from the beginning with read_committed and
 * kept up to date. Offsets are never committed (each start rebuilds the view), so its group leaves nothing behind.
 */
export class TopicView<K, V> {
  private readonly table = new Map<string, V>();
  private consumer?: Consumer;
  /** Per partition: how far the view must read to hold what the topic held when the view started. */
  private readonly targets = new Map<number, number>();
  private readonly positions = new Map<number, number>();
  private caughtUp = false;

  private constructor(
    private readonly serdes: { key: Serde<K>; value: Serde<V> },
    /** Keeps `current` if it is newer than `incoming` (e.g. by version), so replays cannot move a key backwards. */
    private readonly keepCurrent: (current: V, incoming: V) => boolean,
  ) {}

  /** `schemaRegistry`: values in the Confluent wire format are read through it (without it, they cannot be read). */
  static async start<K, V>(kafka: Kafka, topic: string, serdes: { key: Serde<K>; value: Serde<V> }, opts: { keepCurrent?: (current: V, incoming: V) => boolean; groupPrefix?: string; logger?: Logger; schemaRegistry?: SchemaRegistryOption } = {}): Promise<TopicView<K, V>> {
    await serdeUsesSchemaRegistry(serdes.value, resolveSchemaRegistry(opts.schemaRegistry), []);
    const view = new TopicView(serdes, opts.keepCurrent ?? (() => false));
    const logger = opts.logger ?? silentLogger;
    const admin = kafka.admin();
    await admin.connect();
    try {
      for (const o of await admin.fetchTopicOffsets(topic)) view.targets.set(o.partition, Number(o.high));
    } finally {
      await admin.disconnect();
    }
    view.checkCaughtUp();
    view.consumer = kafka.consumer({ groupId: `${opts.groupPrefix ?? 'view'}-${randomUUID()}`, partitionAssigners: [allPartitionsAssigner()], readUncommitted: false, maxWaitTimeInMs: 100 });
    await view.consumer.connect();
    await view.consumer.subscribe({ topics: [topic], fromBeginning: true });
    // Batch ends count transaction markers too, which no message reports: that is how a view reaches the end.
    view.consumer.on(view.consumer.events.END_BATCH_PROCESS, (e) => {
      if (e.payload.topic !== topic) return;
      view.positions.set(e.payload.partition, Math.max(view.positions.get(e.payload.partition) ?? 0, Number(e.payload.lastOffset) + 1));
      view.checkCaughtUp();
    });
    await view.consumer.run({
      autoCommit: false,
      eachMessage: async ({ message, partition }) => {
        if (message.key === null || message.value === null) return;
        try {
          const key = String(serdes.key.deserialize(message.key, topic));
          const value = serdes.value.deserialize(message.value, topic);
          const current = view.table.get(key);
          if (current === undefined || !view.keepCurrent(current, value)) view.table.set(key, value);
        } catch (err) {
          logger.warn({ topic, partition, offset: message.offset, err: String(err) }, 'view skipped a record it cannot decode');
        }
      },
    });
    return view;
  }

  /**
   * Whether the view holds at least what the topic held when the view started (every partition read up to the end
   * offsets seen then). Before that a key may be missing or old: a service should answer "not ready", not "not found".
   */
  get ready(): boolean {
    return this.caughtUp;
  }

  private checkCaughtUp(): void {
    if (this.caughtUp) return;
    this.caughtUp = [...this.targets].every(([partition, end]) => end === 0 || (this.positions.get(partition) ?? 0) >= end);
  }

  get(key: string): V | undefined {
    return this.table.get(key);
  }

  get size(): number {
    return this.table.size;
  }

  async close(): Promise<void> {
    await this.consumer?.disconnect();
  }
}
