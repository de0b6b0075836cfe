import { LRUCache } from 'lru-cache';
import { StreamsError } from '../core/errors/streams-error';
import { Entry, KeyRange, WriteOp } from './key-value-store';
import { ByteStoreLayer, StoreFlush } from './store-layer';
import { ABOVE_ALL_KEYS, fromKey, toKey } from './byte-keys';

/** A cached "no such key" (lru-cache cannot hold undefined). */
const ABSENT = Buffer.alloc(0);
/** What one cached entry costs besides its bytes: the map entry, the string key's header, the Buffer object. */
const ENTRY_OVERHEAD_BYTES = 96;
/** The default bound of a store's read cache. */
export const DEFAULT_CACHE_BYTES = 16 * 2 ** 20;

interface NoCache {
  get(key: string): Buffer | undefined;
  set(key: string, value: Buffer): void;
  clear(): void;
}
const NO_CACHE: NoCache = { get: () => undefined, set: () => undefined, clear: () => undefined };

/**
 * The outermost byte layer, and the only one operators write to.
 *
 * - **The batch's writes** stay here (read-your-writes) until the commit flushes them down the layers; a failed batch
 *   is discarded here and never reaches the changelog or the disk. Only the last write of a key in a batch is logged,
 *   which is what keeps a hot account from writing one changelog record per payment.
 * - **Batched reads:** before an operator runs over a batch it names the keys it will read (`prefetch`); every key
 *   not already known is fetched in one multi-get and pinned until the batch ends, so the operator then reads
 *   synchronously (`peek`) with no disk round trip per record.
 * - **Recently read committed values** are kept in an LRU bounded by bytes: a task is the only writer of its stores,
 *   so a committed value stays true until this task changes it.
 */
export class CachingStore implements ByteStoreLayer {
  /** The batch's writes by key (latin1), with the key's bytes (so a flush needs no conversion back). */
  private dirty = new Map<string, { key: Buffer; value: Buffer | null }>();
  /** Values read for the current batch (absent keys as ABSENT): stable whatever the LRU evicts meanwhile. */
  private pinned = new Map<string, Buffer>();
  /** Committed values of earlier batches; none when the store was built with a cache of 0 bytes. */
  private readonly committed: LRUCache<string, Buffer> | NoCache;

  constructor(
    private readonly inner: ByteStoreLayer,
    cacheBytes = DEFAULT_CACHE_BYTES,
  ) {
    this.committed = cacheBytes <= 0 ? NO_CACHE : new LRUCache({ maxSize: Math.max(1024, cacheBytes), sizeCalculation: (v, k) => v.length + k.length + ENTRY_OVERHEAD_BYTES });
  }

  get name(): string {
    return this.inner.name;
  }

  get dirtyCount(): number {
    return this.dirty.size;
  }

  /** Loads every key not yet known into the batch's pinned reads, with one multi-get for the misses. */
  async prefetch(keys: Buffer[]): Promise<void> {
    const missing: Buffer[] = [];
    const missingKeys: string[] = [];
    const asked = new Set<string>();
    for (const key of keys) {
      const k = toKey(key);
      if (this.dirty.has(k) || this.pinned.has(k) || asked.has(k)) continue;
      const cached = this.committed.get(k);
      if (cached !== undefined) {
        this.pinned.set(k, cached);
        continue;
      }
      asked.add(k);
      missing.push(key);
      missingKeys.push(k);
    }
    if (missing.length === 0) return;
    const values = await this.inner.getMany(missing);
    for (let i = 0; i < missing.length; i++) {
      const value = values[i] ?? ABSENT;
      this.pinned.set(missingKeys[i], value);
      this.committed.set(missingKeys[i], value);
    }
  }

  /** The current value of a key that this batch wrote or prefetched; synchronous. */
  peek(key: Buffer): Buffer | undefined {
    const k = toKey(key);
    const pending = this.dirty.get(k);
    if (pending !== undefined) return pending.value ?? undefined;
    const read = this.pinned.get(k) ?? this.committed.get(k);
    if (read === undefined) {
      throw new StreamsError(`store '${this.name}': key ${JSON.stringify(k)} was read without being prefetched for this batch`, { code: 'STORE_NOT_PREFETCHED' });
    }
    return read === ABSENT ? undefined : read;
  }

  async get(key: Buffer): Promise<Buffer | undefined> {
    const k = toKey(key);
    const pending = this.dirty.get(k);
    if (pending !== undefined) return pending.value ?? undefined;
    const known = this.pinned.get(k) ?? this.committed.get(k);
    if (known !== undefined) return known === ABSENT ? undefined : known;
    const stored = await this.inner.get(key);
    this.committed.set(k, stored ?? ABSENT);
    return stored;
  }

  getMany(keys: Buffer[]): Promise<Array<Buffer | undefined>> {
    return this.prefetch(keys).then(() => keys.map((k) => this.peek(k)));
  }

  /** Writes a copy of `key` and `value` (the caller may reuse its buffers). */
  put(key: Buffer, value: Buffer): void {
    this.putOwned(Buffer.from(key), Buffer.from(value));
  }

  /** Writes `key` and `value` without copying them: the caller hands them over and never changes them again. */
  putOwned(key: Buffer, value: Buffer): void {
    this.dirty.set(toKey(key), { key, value });
  }

  delete(key: Buffer): void {
    this.dirty.set(toKey(key), { key: Buffer.from(key), value: null });
  }

  /**
   * The merged view: the store's entries overlaid with this batch's writes, in byte order. With a `limit` the result
   * is always a true prefix of the merged view (the store is asked for enough entries to cover the batch's deletes).
   */
  async range(range: KeyRange = {}): Promise<Entry[]> {
    const limit = range.limit;
    if (limit === 0) return [];
    const low = range.gte ? toKey(range.gte) : '';
    const high = range.lt ? toKey(range.lt) : ABOVE_ALL_KEYS;
    const overlay: Array<[string, Buffer | null]> = [];
    for (const [k, { value }] of this.dirty) if (k >= low && k < high) overlay.push([k, value]);
    const deletes = overlay.filter(([, v]) => v === null).length;
    const below = await this.inner.range(limit === undefined ? range : { ...range, limit: limit + deletes });
    if (overlay.length === 0) return below;
    overlay.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    // If the store's answer was cut short, overlay keys past its last key could skip entries it did not return.
    const cut = limit !== undefined && below.length === limit + deletes ? toKey(below[below.length - 1].key) : undefined;
    const merged = new Map<string, Buffer>();
    for (const e of below) merged.set(toKey(e.key), e.value);
    for (const [k, v] of overlay) {
      if (cut !== undefined && k > cut) break;
      if (v === null) merged.delete(k);
      else merged.set(k, v);
    }
    const out = [...merged].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => ({ key: fromKey(k), value: v }));
    return limit === undefined ? out : out.slice(0, limit);
  }

  /**
   * Hands the batch's writes, in key order, to the layers below (after any `changes` of a layer above this one,
   * normally none). Nothing is handed down for an untouched store.
   */
  flush(changes: WriteOp[], into: StoreFlush, timestamp: number): void {
    if (this.dirty.size === 0 && changes.length === 0) return;
    const keys = [...this.dirty.keys()].sort();
    this.inner.flush([...changes, ...keys.map((k) => this.dirty.get(k)!)], into, timestamp);
  }

  /** The batch committed (log and disk): its writes become the committed values. */
  committedBatch(): void {
    for (const [k, { value }] of this.dirty) this.committed.set(k, value ?? ABSENT);
    this.dirty = new Map();
    this.pinned = new Map();
  }

  /** The batch failed: forget its writes. */
  clear(): void {
    this.dirty = new Map();
    this.pinned = new Map();
  }

  /** The store was changed underneath (a restore): forget everything cached. */
  invalidate(): void {
    this.clear();
    this.committed.clear();
  }
}
