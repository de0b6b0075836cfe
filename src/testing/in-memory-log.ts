import { StreamsError } from '../core/errors/streams-error';
import { LogRecord, OutgoingRecord, TopicPartition, tpKey } from '../core/records';
import { TaskLog, TransactionRequest, TransactionResult } from '../runtime/task-log';

/** A changelog partition is compacted once it holds this many records, and twice what it kept the last time. */
const COMPACT_AT = 10_000;
const NO_HEADERS: Readonly<Record<string, Buffer>> = Object.freeze({});

/**
 * One partition: records in offset order. Offsets are dense until the partition is compacted; its start moves up
 * when consumed records are released.
 */
class PartitionLog {
  records: LogRecord[] = [];
  /** The offset the next record gets (the high watermark). */
  next = 0;
  /** The earliest offset still in the log (records below it were deleted). */
  start = 0;
  private dense = true;
  private compactedSize = 0;

  append(record: LogRecord): void {
    this.records.push(record);
    this.next = record.offset + 1;
  }

  /** Index of the first record at or after `offset`. */
  indexOf(offset: number): number {
    const rs = this.records;
    if (rs.length === 0) return 0;
    if (this.dense) return Math.min(rs.length, Math.max(0, offset - rs[0].offset));
    let lo = 0;
    let hi = rs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (rs[mid].offset < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  read(from: number, max: number): LogRecord[] {
    const i = this.indexOf(from);
    return this.records.slice(i, Math.min(this.records.length, i + max));
  }

  /** Forgets every record below `offset` (they were consumed by every reader). */
  releaseBelow(offset: number): void {
    const i = this.indexOf(offset);
    if (i > 0) this.records = this.records.slice(i);
  }

  /**
   * Keeps the last record of each key, at its offset (Kafka's log compaction; tombstones are kept, as with an infinite
   * `delete.retention.ms`, so a restore from any checkpoint still sees every delete it needs). Offsets stay as they
   * were: a reader resuming anywhere reads the same final values.
   */
  compactIfLarge(): void {
    if (this.records.length < Math.max(COMPACT_AT, 2 * this.compactedSize)) return;
    const last = new Map<string, number>();
    this.records.forEach((r, i) => last.set(r.key === null ? `#${i}` : r.key.toString('latin1'), i));
    const keep = new Set(last.values());
    this.records = this.records.filter((_, i) => keep.has(i));
    this.dense = false;
    this.compactedSize = this.records.length;
  }
}

/**
 * Kafka's log, in memory: topics of partitions of records, and committed consumer offsets per group. A transaction
 * appends all its records and commits all its offsets in one step, so readers only ever see committed data
 * (read_committed). Changelogs are compacted as Kafka compacts them; consumed records of the topology's own topics can
 * be released (`releaseConsumed`), so a long-running dev mode does not keep every record forever.
 */
export class InMemoryLog {
  private readonly partitions = new Map<string, PartitionLog[]>();
  private readonly groups = new Map<string, Map<string, number>>();
  private readonly compacted = new Set<string>();
  private readonly commitCounts = new Map<string, number>();

  createTopic(topic: string, partitions: number, options: { compacted?: boolean } = {}): void {
    const existing = this.partitions.get(topic);
    if (existing && existing.length !== partitions) {
      throw new StreamsError(`topic ${topic} exists with ${existing.length} partitions, not ${partitions}`, { code: 'TOPIC_MISCONFIGURED' });
    }
    if (!existing) this.partitions.set(topic, Array.from({ length: partitions }, () => new PartitionLog()));
    if (options.compacted) this.compacted.add(topic);
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
      offset: log.next,
      timestamp: record.timestamp,
      key: record.key,
      value: record.value,
      headers: record.headers ?? NO_HEADERS,
    };
    log.append(stored);
    return stored;
  }

  /** Committed records of a partition from offset `from` on (the first at or after it), at most `max`. */
  read(tp: TopicPartition, from: number, max = Infinity): LogRecord[] {
    return this.partition(tp).read(from, max);
  }

  endOffset(tp: TopicPartition): number {
    return this.partition(tp).next;
  }

  /** Every record still held, partition by partition, in offset order. */
  records(topic: string): LogRecord[] {
    return this.topic(topic).flatMap((p) => p.records);
  }

  committedOffset(group: string, tp: TopicPartition): number | undefined {
    return this.groups.get(group)?.get(tpKey(tp));
  }

  /** Deletes a partition's records below `offset`, as retention (or `deleteRecords`) does: the log start moves up. */
  deleteRecordsBefore(tp: TopicPartition, offset: number): void {
    this.partition(tp).releaseBelow(offset);
    this.partition(tp).start = Math.max(this.partition(tp).start, offset);
  }

  /** Drops a group's committed offsets, as Kafka's offset expiry or `kafka-consumer-groups --delete-offsets` does. */
  deleteGroupOffsets(group: string): void {
    this.groups.delete(group);
  }

  /** Sets a group's committed offset by hand, as `kafka-consumer-groups --reset-offsets` does. */
  setCommittedOffset(group: string, tp: TopicPartition, offset: number): void {
    const offsets = this.groups.get(group) ?? new Map<string, number>();
    offsets.set(tpKey(tp), offset);
    this.groups.set(group, offsets);
  }

  /** How many transactions committed offsets for the group (an idle task re-commits them). */
  offsetCommits(group: string): number {
    return this.commitCounts.get(group) ?? 0;
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
    if (tx.offsets.length > 0) this.commitCounts.set(group, this.offsetCommits(group) + 1);
    const written = new Set(tx.records.filter((r) => this.compacted.has(r.topic)).map((r) => this.partition(r)));
    for (const log of written) log.compactIfLarge();
    return { positions };
  }

  /** Forgets the records of `tp` below `offset`: every reader has committed past them. */
  releaseBelow(tp: TopicPartition, offset: number): void {
    this.partition(tp).releaseBelow(offset);
  }

  /** The TaskLog a task uses; `group` is the task's consumer group (`<app>-<task>`). */
  taskLog(group: string): TaskLog {
    return {
      committedOffset: async (tp) => this.committedOffset(group, tp),
      logBounds: async (tp) => ({ start: this.partition(tp).start, end: this.endOffset(tp) }),
      commitTransaction: async (tx) => this.commit(group, tx),
      endOffset: async (tp) => this.endOffset(tp),
      read: async (tp, from, to, onBatch) => {
        for (let at = from; at < to; ) {
          const batch = this.read(tp, at, 1000).filter((r) => r.offset < to);
          if (batch.length === 0) return;
          await onBatch(batch);
          at = batch[batch.length - 1].offset + 1;
        }
      },
    };
  }

  private topic(topic: string): PartitionLog[] {
    const parts = this.partitions.get(topic);
    if (!parts) throw new StreamsError(`topic ${topic} does not exist`, { code: 'UNKNOWN_TOPIC' });
    return parts;
  }

  private partition(tp: TopicPartition): PartitionLog {
    const log = this.topic(tp.topic)[tp.partition];
    if (!log) throw new StreamsError(`topic ${tp.topic} has no partition ${tp.partition}`, { code: 'UNKNOWN_PARTITION' });
    return log;
  }
}
