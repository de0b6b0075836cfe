import BTree from 'sorted-btree';
import { LRUCache } from 'lru-cache';
import { Entry, KeyRange, WriteOp } from './key-value-store';
import { ByteStoreLayer, StoreFlush } from './store-layer';

import { ABOVE_ALL_KEYS, fromKey, toKey } from './byte-keys';

const ABSENT = Buffer.alloc(0); // a cached "no such key" (lru-cache cannot hold undefined)

/**
 * Holds the current batch's writes (read-your-writes) until the commit flushes them down the layers; a failed batch
 * is discarded here and never reaches the changelog or the disk. Only the last write of a key in a batch is logged,
 * which is what keeps a hot account from writing one changelog record per payment.
 *
 * It also keeps recently read committed values (an LRU): a RocksDB get costs tens of microseconds through the
 * binding, and a task is the only writer of its stores, so a committed value stays true until this task changes it.
 */
export class CachingStore {
  private dirty = new BTree<string, Buffer | null>();
  private readonly committed: LRUCache<string, Buffer>;

  constructor(
    private readonly inner: ByteStoreLayer,
    readCacheEntries = 10_000,
  ) {
    this.committed = new LRUCache({ max: Math.max(1, readCacheEntries) });
  }

  get name(): string {
    return this.inner.name;
  }

  get dirtyCount(): number {
    return this.dirty.size;
  }

  async get(key: Buffer): Promise<Buffer | undefined> {
    const k = toKey(key);
    const pending = this.dirty.get(k);
    if (pending !== undefined) return pending ?? undefined;
    const cached = this.committed.get(k);
    if (cached !== undefined) return cached === ABSENT ? undefined : cached;
    const stored = await this.inner.get(key);
    this.committed.set(k, stored ?? ABSENT);
    return stored;
  }

  put(key: Buffer, value: Buffer): void {
    this.dirty.set(toKey(key), Buffer.from(value));
  }

  delete(key: Buffer): void {
    this.dirty.set(toKey(key), null);
  }

  /**
   * The merged view: the store's entries overlaid with this batch's writes, in byte order. With a `limit` the result
   * is always a true prefix of the merged view (the store is asked for enough entries to cover the batch's deletes).
   */
  async range(range: KeyRange = {}): Promise<Entry[]> {
    const low = range.gte ? toKey(range.gte) : '';
    const high = range.lt ? toKey(range.lt) : ABOVE_ALL_KEYS;
    const overlay: Array<[string, Buffer | null]> = [];
    this.dirty.forRange(low, high, false, (k, v) => {
      overlay.push([k, v]);
    });
    const limit = range.limit;
    if (limit === 0) return [];
    const deletes = overlay.filter(([, v]) => v === null).length;
    const below = await this.inner.range(limit === undefined ? range : { ...range, limit: limit + deletes });
    if (overlay.length === 0) return below;
    // If the store's answer was cut short, overlay keys past its last key could skip entries it did not return.
    const cut = limit !== undefined && below.length === limit + deletes ? toKey(below[below.length - 1].key) : undefined;
    const merged = new BTree<string, Buffer>();
    for (const e of below) merged.set(toKey(e.key), e.value);
    for (const [k, v] of overlay) {
      if (cut !== undefined && k > cut) break;
      if (v === null) merged.delete(k);
      else merged.set(k, v);
    }
    const out = merged.toArray().map(([k, v]) => ({ key: fromKey(k), value: v }));
    return limit === undefined ? out : out.slice(0, limit);
  }

  /** Hands the batch's writes to the layers below. The cache keeps them until `clear` (commit done or aborted). */
  flush(into: StoreFlush, timestamp: number): void {
    const changes: WriteOp[] = this.dirty.toArray().map(([k, v]) => ({ key: fromKey(k), value: v }));
    if (changes.length > 0) this.inner.flush(changes, into, timestamp);
  }

  /** The batch committed (log and disk): its writes become the committed values. */
  committedBatch(): void {
    this.dirty.forEachPair((k, v) => {
      this.committed.set(k, v ?? ABSENT);
    });
    this.dirty = new BTree<string, Buffer | null>();
  }

  /** The batch failed: forget its writes. */
  clear(): void {
    this.dirty = new BTree<string, Buffer | null>();
  }

  /** The store was changed underneath (a restore): forget everything cached. */
  invalidate(): void {
    this.clear();
    this.committed.clear();
  }
}
