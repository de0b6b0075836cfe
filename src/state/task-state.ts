import { KeyValueStore, WriteOp, prefixEnd } from './key-value-store';
import { CHECKPOINT_KEY, Checkpoint, decodeCheckpoint, emptyCheckpoint, encodeCheckpoint, recordDigest } from './checkpoint';
import { RawStore } from './raw-store';
import { CachingStore } from './caching-store';
import { StoreFlush } from './store-layer';
import { BuiltStore, StoreSpec, buildStore } from './store-builder';
import { LogRecord, TopicPartition } from '../core/records';
import { Logger, silentLogger } from '../core/logger';
import { StreamsError } from '../core/errors/streams-error';
import { StateRestoreListener } from './restore-listener';

export { StoreSpec } from './store-builder';

const EMPTY = Buffer.alloc(0);

/** The slice of the log a restore needs: committed records of a changelog partition. */
export interface ChangelogReader {
  /** The offset after the last record of the partition (its high watermark). */
  endOffset(tp: TopicPartition): Promise<number>;
  /** Delivers committed records with `from <= offset < to`, in order, in batches. */
  read(tp: TopicPartition, from: number, to: number, onBatch: (records: LogRecord[]) => Promise<void>): Promise<void>;
}


/**
 * All state of one task: its stores (built by `buildStore`), all kept in one byte store together with the checkpoint
 * that says how far the stores have seen their changelogs. `persist` is the only write path.
 */
export class TaskState {
  readonly stores = new Map<string, CachingStore>();
  private readonly built = new Map<string, BuiltStore>();
  private current: Checkpoint;

  private constructor(
    readonly storage: KeyValueStore,
    specs: StoreSpec[],
    private readonly partition: number,
    checkpoint: Checkpoint,
    cacheBytes?: number,
  ) {
    this.current = checkpoint;
    for (const spec of specs) {
      if (spec.changelogTopic === undefined && !spec.indexOf) {
        throw new StreamsError(`store '${spec.name}' has neither a changelog nor an indexed store: it could not be restored`, { code: 'STORE_NOT_RESTORABLE' });
      }
      if (spec.indexOf && !specs.some((s) => s.name === spec.indexOf!.store && s.changelogTopic !== undefined)) {
        throw new StreamsError(`store '${spec.name}' indexes '${spec.indexOf.store}', which is not a logged store of this task`, { code: 'STORE_NOT_RESTORABLE' });
      }
      const built = buildStore(spec, storage, partition, cacheBytes);
      this.built.set(spec.name, built);
      this.stores.set(spec.name, built.store);
    }
  }

  static async open(storage: KeyValueStore, specs: StoreSpec[], partition: number, where: string, cacheBytes?: number): Promise<TaskState> {
    const bytes = await storage.get(CHECKPOINT_KEY);
    if (bytes === undefined) {
      // No checkpoint means no trustworthy state: data without one cannot be placed against the changelog.
      const stale = await storage.range({ gte: RawStore.ALL_STORES_PREFIX, lt: prefixEnd(RawStore.ALL_STORES_PREFIX) });
      if (stale.length > 0) await storage.write(stale.map((e) => ({ key: e.key, value: null })));
    }
    const checkpoint = bytes === undefined ? emptyCheckpoint() : decodeCheckpoint(bytes, where);
    return new TaskState(storage, specs, partition, checkpoint, cacheBytes);
  }

  get checkpoint(): Checkpoint {
    return structuredClone(this.current);
  }

  /**
   * Brings every store up to the end of its changelog: replays from the checkpoint's offset (or from the start when
   * there is no local state). A checkpoint beyond the changelog's end means the log was reset under us: the local
   * copy is wiped and rebuilt. `listener` is told of each store's start, batches and end.
   */
  async restore(reader: ChangelogReader, logger: Logger = silentLogger, listener?: StateRestoreListener, options: { rebuildOnChangelogLoss?: boolean } = {}): Promise<{ restored: number }> {
    let restored = 0;
    for (const store of this.stores.values()) store.invalidate();
    for (const { spec, raw } of this.built.values()) {
      if (spec.changelogTopic === undefined) continue;
      const changelogTopic = spec.changelogTopic;
      const indexes = [...this.built.values()].filter((b) => b.spec.indexOf?.store === spec.name);
      const tp = { topic: changelogTopic, partition: this.partition };
      const end = await reader.endOffset(tp);
      let from = this.current.changelog[changelogTopic] ?? 0;
      // The anchor is checked before anything is replayed onto the local state (a clean restart, at the end already,
      // reads nothing: one more restore consumer per store would double the cost of a restart).
      const lost = from > end ? `the changelog ends at ${end}` : from < end ? await this.anchorMismatch(reader, tp, end) : undefined;
      if (lost !== undefined) {
        // The changelog lost records the local state has (deleted, or recreated): rebuilding from what is left would
        // silently drop state, and replaying a recreated one would add unrelated records to it, so only a deliberate
        // choice does either.
        if (!options.rebuildOnChangelogLoss) {
          throw new StreamsError(
            `store ${spec.name}: its checkpoint says changelog ${changelogTopic}-${this.partition} was read up to offset ${from}, but ${lost}: ` +
              `it was deleted or recreated, and the local state no longer matches it. Restore the changelog, or start with --rebuild-state to wipe the store ` +
              `and rebuild it from what the changelog holds now (what it lost stays lost).`,
            { code: 'CHANGELOG_LOST' },
          );
        }
        logger.warn({ store: spec.name, checkpoint: from, end, lost }, 'the changelog no longer matches the checkpoint; wiping the store and rebuilding it (--rebuild-state)');
        const next = this.checkpointWith(changelogTopic, 0);
        delete next.anchors?.[changelogTopic];
        const wipes = [raw, ...indexes.map((i) => i.raw)].map((r) => r.wipeOps());
        await this.storage.write([...(await Promise.all(wipes)).flat(), this.checkpointOp(next)]);
        this.current = next;
        from = 0;
      }
      if (from >= end) continue;
      const total = end - from;
      let done = 0;
      let storeRestored = 0;
      listener?.onRestoreStart?.(tp, spec.name, from, end);
      logger.info({ store: spec.name, changelog: spec.changelogTopic, partition: this.partition, from, end }, `restoring store ${spec.name}: ${total} records to replay`);
      await reader.read(tp, from, end, async (records) => {
        if (records.length === 0) return;
        await this.applyChangelogRecords(changelogTopic, records);
        done = records[records.length - 1].offset + 1 - from;
        restored += records.length;
        storeRestored += records.length;
        logger.debug({ store: spec.name, restored: done, total }, `restoring store ${spec.name}: ${done}/${total}`);
        listener?.onBatchRestored?.(tp, spec.name, records[records.length - 1].offset, records.length);
      });
      // The partition may end with transaction markers or aborted records, which deliver nothing: remember the end
      // itself, so the next start has nothing to read.
      if ((this.current.changelog[changelogTopic] ?? 0) < end) {
        const next = this.checkpointWith(changelogTopic, end);
        await this.storage.write([this.checkpointOp(next)]);
        this.current = next;
      }
      listener?.onRestoreEnd?.(tp, spec.name, storeRestored);
    }
    return { restored };
  }

  /**
   * Applies committed changelog records of one store (in offset order) to the local state, with the checkpoint moved
   * past them, in one write batch: what a restore does per batch, and what a standby replica does as it follows the
   * active task's changelogs.
   */
  async applyChangelogRecords(changelogTopic: string, records: LogRecord[]): Promise<void> {
    if (records.length === 0) return;
    const built = [...this.built.values()].find((b) => b.spec.changelogTopic === changelogTopic);
    if (!built) throw new StreamsError(`no store of this task is logged to ${changelogTopic}`, { code: 'UNKNOWN_CHANGELOG' });
    const { raw } = built;
    const indexes = [...this.built.values()].filter((b) => b.spec.indexOf?.store === built.spec.name);
    const ops: WriteOp[] = [];
    // An indexed store's previous values, so a replayed overwrite or delete also drops its old index entry.
    const previous = indexes.length > 0 ? await this.currentValues(raw, records) : undefined;
    for (const r of records) {
      if (r.key === null) continue;
      ops.push({ key: raw.toStorageKey(r.key), value: r.value });
      if (!previous) continue;
      const k = r.key.toString('latin1');
      const old = previous.get(k);
      for (const index of indexes) {
        const keyOf = index.spec.indexOf!.keyOf;
        if (old) ops.push({ key: index.raw.toStorageKey(keyOf(r.key, old)), value: null });
        if (r.value !== null) ops.push({ key: index.raw.toStorageKey(keyOf(r.key, r.value)), value: EMPTY });
      }
      previous.set(k, r.value ?? undefined);
    }
    const last = records[records.length - 1];
    const next = this.checkpointWith(changelogTopic, last.offset + 1);
    (next.anchors ??= {})[changelogTopic] = { offset: last.offset, digest: recordDigest(last.key, last.value) };
    // Changelog records carry the stream time of their commit: a rebuilt task resumes from the latest.
    for (const r of records) if (r.timestamp > (next.streamTime ?? 0)) next.streamTime = r.timestamp;
    await this.storage.write([...ops, this.checkpointOp(next)]);
    this.current = next;
  }

  /** Where the local state has read `changelogTopic` up to (without copying the whole checkpoint). */
  changelogOffset(changelogTopic: string): number {
    return this.current.changelog[changelogTopic] ?? 0;
  }

  /** The changelog topics of this task's logged stores. */
  get changelogTopics(): string[] {
    return [...this.built.values()].flatMap((b) => (b.spec.changelogTopic === undefined ? [] : [b.spec.changelogTopic]));
  }

  /**
   * Whether the changelog still is the one the checkpoint was written against: the record at the anchor's offset must
   * be the one the local state last took from it. Returns what differs, or undefined when it matches or cannot be
   * told (no anchor yet, the anchor at or past the end, or compacted away: a later record of the same key replaced
   * it, which only happens after the checkpoint).
   */
  private async anchorMismatch(reader: ChangelogReader, tp: TopicPartition, end: number): Promise<string | undefined> {
    const anchor = this.current.anchors?.[tp.topic];
    if (anchor === undefined || anchor.offset >= end) return undefined;
    let found: LogRecord | undefined;
    await reader.read(tp, anchor.offset, anchor.offset + 1, async (records) => {
      found ??= records.find((r) => r.offset === anchor.offset);
    });
    if (found === undefined || recordDigest(found.key, found.value) === anchor.digest) return undefined;
    return `the record at offset ${anchor.offset} is not the one the local state last took from it (the changelog was replaced and has grown past it)`;
  }

  /** The stored values of the keys a restore batch touches (one multi-get), keyed by latin1 key. */
  private async currentValues(raw: RawStore, records: LogRecord[]): Promise<Map<string, Buffer | undefined>> {
    const keys = [...new Set(records.flatMap((r) => (r.key === null ? [] : [r.key.toString('latin1')])))];
    const values = await raw.getMany(keys.map((k) => Buffer.from(k, 'latin1')));
    return new Map(keys.map((k, i) => [k, values[i]]));
  }

  /** Collects the batch's changes from every store: changelog records and prefixed disk writes. */
  flush(timestamp: number): StoreFlush {
    const into: StoreFlush = { changelog: [], writes: [] };
    for (const store of this.stores.values()) store.flush([], into, timestamp);
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
