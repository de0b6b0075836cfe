import BTree from 'sorted-btree';
import { Entry, KeyRange, WriteOp } from './key-value-store';
import { ByteStoreLayer, StoreFlush } from './store-layer';

// latin1: one code unit per byte, so string order is byte order (same trick as the in-memory store).
const toKey = (b: Buffer) => b.toString('latin1');
const fromKey = (s: string) => Buffer.from(s, 'latin1');

/**
 * Holds the current batch's writes (read-your-writes) until the commit flushes them down the layers; a failed batch
 * is discarded here and never reaches the changelog or the disk. Only the last write of a key in a batch is logged,
 * which is what keeps a hot account from writing one changelog record per payment.
 */
export class CachingStore {
  private dirty = new BTree<string, Buffer | null>();

  constructor(private readonly inner: ByteStoreLayer) {}

  get name(): string {
    return this.inner.name;
  }

  get dirtyCount(): number {
    return this.dirty.size;
  }

  async get(key: Buffer): Promise<Buffer | undefined> {
    const cached = this.dirty.get(toKey(key));
    if (cached !== undefined) return cached ?? undefined;
    return this.inner.get(key);
  }

  put(key: Buffer, value: Buffer): void {
    this.dirty.set(toKey(key), Buffer.from(value));
  }

  delete(key: Buffer): void {
    this.dirty.set(toKey(key), null);
  }

  /** The merged view: the store's entries overlaid with this batch's writes, in byte order. */
  async range(range: KeyRange = {}): Promise<Entry[]> {
    const below = await this.inner.range(range);
    if (this.dirty.size === 0) return below;
    const low = range.gte ? toKey(range.gte) : '';
    const high = range.lt ? toKey(range.lt) : '\uffff';
    const overlay = new Map<string, Buffer | null>();
    this.dirty.forRange(low, high, false, (k, v) => {
      overlay.set(k, v);
    });
    const merged = new BTree<string, Buffer>();
    for (const e of below) merged.set(toKey(e.key), e.value);
    for (const [k, v] of overlay) {
      if (v === null) merged.delete(k);
      else merged.set(k, v);
    }
    return merged.toArray().map(([k, v]) => ({ key: fromKey(k), value: v }));
  }

  /** Hands the batch's writes to the layers below. The cache keeps them until `clear` (commit done or aborted). */
  flush(into: StoreFlush, timestamp: number): void {
    const changes: WriteOp[] = this.dirty.toArray().map(([k, v]) => ({ key: fromKey(k), value: v }));
    if (changes.length > 0) this.inner.flush(changes, into, timestamp);
  }

  clear(): void {
    this.dirty = new BTree<string, Buffer | null>();
  }
}
