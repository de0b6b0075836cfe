import { KeyValueStore, WriteOp, prefixEnd } from './key-value-store';
import { CHECKPOINT_KEY, Checkpoint, decodeCheckpoint, emptyCheckpoint, encodeCheckpoint } from './checkpoint';
import { RawStore } from './raw-store';
import { ChangeLoggingStore } from './change-logging-store';
import { CachingStore } from './caching-store';
import { StoreFlush } from './store-layer';
import { LogRecord, TopicPartition } from '../runtime/records';
import { Logger, silentLogger } from '../runtime/logger';

export interface StoreSpec {
  name: string;
  changelogTopic: string;
}

/** The slice of the log a restore needs: committed records of a changelog partition. */
export interface ChangelogReader {
  /** The offset after the last record of the partition (its high watermark). */
  endOffset(tp: TopicPartition): Promise<number>;
  /** Delivers committed records with `from <= offset < to`, in order, in batches. */
  read(tp: TopicPartition, from: number, to: number, onBatch: (records: LogRecord[]) => Promise<void>): Promise<void>;
}


/**
 * All state of one task: its stores (layered: cache → change-logging → raw), all kept in one byte store together
 * with the checkpoint that says how far the stores have seen their changelogs. `persist` is the only write path.
 */
export class TaskState {
  readonly stores = new Map<string, CachingStore>();
  private readonly raw = new Map<string, RawStore>();
  private current: Checkpoint;

  private constructor(
    readonly storage: KeyValueStore,
    private readonly specs: StoreSpec[],
    private readonly partition: number,
    checkpoint: Checkpoint,
  ) {
    this.current = checkpoint;
    for (const spec of specs) {
      const raw = new RawStore(spec.name, storage);
      this.raw.set(spec.name, raw);
      this.stores.set(spec.name, new CachingStore(new ChangeLoggingStore(raw, spec.changelogTopic, partition)));
    }
  }

  static async open(storage: KeyValueStore, specs: StoreSpec[], partition: number, where: string): Promise<TaskState> {
    const bytes = await storage.get(CHECKPOINT_KEY);
    if (bytes === undefined) {
      // No checkpoint means no trustworthy state: data without one cannot be placed against the changelog.
      const stale = await storage.range({ gte: RawStore.ALL_STORES_PREFIX, lt: prefixEnd(RawStore.ALL_STORES_PREFIX) });
      if (stale.length > 0) await storage.write(stale.map((e) => ({ key: e.key, value: null })));
    }
    const checkpoint = bytes === undefined ? emptyCheckpoint() : decodeCheckpoint(bytes, where);
    return new TaskState(storage, specs, partition, checkpoint);
  }

  get checkpoint(): Checkpoint {
    return structuredClone(this.current);
  }

  /**
   * Brings every store up to the end of its changelog: replays from the checkpoint's offset (or from the start when
   * there is no local state). A checkpoint beyond the changelog's end means the log was reset under us: the local
   * copy is wiped and rebuilt.
   */
  async restore(reader: ChangelogReader, logger: Logger = silentLogger): Promise<{ restored: number }> {
    let restored = 0;
    for (const store of this.stores.values()) store.invalidate();
    for (const spec of this.specs) {
      const tp = { topic: spec.changelogTopic, partition: this.partition };
      const end = await reader.endOffset(tp);
      let from = this.current.changelog[spec.changelogTopic] ?? 0;
      const raw = this.raw.get(spec.name)!;
      if (from > end) {
        logger.warn({ store: spec.name, checkpoint: from, end }, 'checkpoint is ahead of the changelog; wiping the store and rebuilding it');
        const next = this.checkpointWith(spec.changelogTopic, 0);
        await this.storage.write([...(await raw.wipeOps()), this.checkpointOp(next)]);
        this.current = next;
        from = 0;
      }
      if (from >= end) continue;
      const total = end - from;
      let done = 0;
      logger.info({ store: spec.name, changelog: spec.changelogTopic, partition: this.partition, from, end }, `restoring store ${spec.name}: ${total} records to replay`);
      await reader.read(tp, from, end, async (records) => {
        if (records.length === 0) return;
        const ops: WriteOp[] = records
          .filter((r) => r.key !== null)
          .map((r) => ({ key: raw.toStorageKey(r.key as Buffer), value: r.value }));
        const next = this.checkpointWith(spec.changelogTopic, records[records.length - 1].offset + 1);
        await this.storage.write([...ops, this.checkpointOp(next)]);
        this.current = next;
        done = records[records.length - 1].offset + 1 - from;
        restored += records.length;
        logger.info({ store: spec.name, restored: done, total }, `restoring store ${spec.name}: ${done}/${total}`);
      });
      // The partition may end with transaction markers or aborted records, which deliver nothing: remember the end
      // itself, so the next start has nothing to read.
      if ((this.current.changelog[spec.changelogTopic] ?? 0) < end) {
        const next = this.checkpointWith(spec.changelogTopic, end);
        await this.storage.write([this.checkpointOp(next)]);
        this.current = next;
      }
    }
    return { restored };
  }

  /** Collects the batch's changes from every store: changelog records and prefixed disk writes. */
  flush(timestamp: number): StoreFlush {
    const into: StoreFlush = { changelog: [], writes: [] };
    for (const store of this.stores.values()) store.flush(into, timestamp);
    return into;
  }

  /** Store changes and the new checkpoint in one write batch: on disk they agree, always. */
  async persist(writes: WriteOp[], checkpoint: Checkpoint): Promise<void> {
    await this.storage.write([...writes, this.checkpointOp(checkpoint)]);
    this.current = structuredClone(checkpoint);
    for (const store of this.stores.values()) store.committedBatch();
  }

  /** Drops the batch's uncommitted writes. */
  discard(): void {
    for (const store of this.stores.values()) store.clear();
  }

  close(): Promise<void> {
    return this.storage.close();
  }

  private checkpointWith(changelogTopic: string, offset: number): Checkpoint {
    const next = structuredClone(this.current);
    next.changelog[changelogTopic] = offset;
    return next;
  }

  private checkpointOp(c: Checkpoint): WriteOp {
    return { key: CHECKPOINT_KEY, value: encodeCheckpoint(c) };
  }
}
