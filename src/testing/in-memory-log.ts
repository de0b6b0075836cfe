import { StreamsError } from '../errors/streams-error';
import { LogRecord, OutgoingRecord, TopicPartition, tpKey } from '../runtime/records';
import { TaskLog, TransactionRequest, TransactionResult } from '../runtime/task-log';

/**
 * Kafka's log, in memory: topics of partitions of records with dense offsets, and committed consumer offsets per
 * group. A transaction appends all its records and commits all its offsets in one step, so readers only ever see
 * committed data (read_committed).
 */
export class InMemoryLog {
  private readonly partitions = new Map<string, LogRecord[][]>();
  private readonly groups = new Map<string, Map<string, number>>();

  createTopic(topic: string, partitions: number): void {
    const existing = this.partitions.get(topic);
    if (existing && existing.length !== partitions) {
      throw new StreamsError(`topic ${topic} exists with ${existing.length} partitions, not ${partitions}`, { code: 'TOPIC_MISCONFIGURED' });
    }
    if (!existing) this.partitions.set(topic, Array.from({ length: partitions }, () => []));
  }

  hasTopic(topic: string): boolean {
    return this.partitions.has(topic);
  }

  partitionCount(topic: string): number {
    return this.topic(topic).length;
  }

  append(record: OutgoingRecord): LogRecord {
    const log = this.partition(record);
    const stored: LogRecord = {
      topic: record.topic,
      partition: record.partition,
      offset: log.length,
      timestamp: record.timestamp,
      key: record.key,
      value: record.value,
      headers: record.headers ?? {},
    };
    log.push(stored);
    return stored;
  }

  read(tp: TopicPartition, from: number, max = Infinity): LogRecord[] {
    const log = this.partition(tp);
    return log.slice(from, Math.min(log.length, from + max));
  }

  endOffset(tp: TopicPartition): number {
    return this.partition(tp).length;
  }

  records(topic: string): LogRecord[] {
    return this.topic(topic).flat();
  }

  committedOffset(group: string, tp: TopicPartition): number | undefined {
    return this.groups.get(group)?.get(tpKey(tp));
  }

  commit(group: string, tx: TransactionRequest): TransactionResult {
    // Validate everything first: a transaction that fails half-way would break the all-or-nothing promise.
    for (const r of tx.records) this.partition(r);
    const positions = tx.records.map((r) => {
      const stored = this.append(r);
      return { partition: stored.partition, offset: stored.offset };
    });
    const offsets = this.groups.get(group) ?? new Map<string, number>();
    for (const o of tx.offsets) offsets.set(tpKey(o), o.offset);
    this.groups.set(group, offsets);
    return { positions };
  }

  /** The TaskLog a task uses; `group` is the task's consumer group (`<app>-<task>`). */
  taskLog(group: string): TaskLog {
    return {
      committedOffset: async (tp) => this.committedOffset(group, tp),
      commitTransaction: async (tx) => this.commit(group, tx),
      endOffset: async (tp) => this.endOffset(tp),
      read: async (tp, from, to, onBatch) => {
        for (let at = from; at < to; at += 1000) await onBatch(this.read(tp, at, Math.min(1000, to - at)));
      },
    };
  }

  private topic(topic: string): LogRecord[][] {
    const parts = this.partitions.get(topic);
    if (!parts) throw new StreamsError(`topic ${topic} does not exist`, { code: 'UNKNOWN_TOPIC' });
    return parts;
  }

  private partition(tp: TopicPartition): LogRecord[] {
    const log = this.topic(tp.topic)[tp.partition];
    if (!log) throw new StreamsError(`topic ${tp.topic} has no partition ${tp.partition}`, { code: 'UNKNOWN_PARTITION' });
    return log;
  }
}
