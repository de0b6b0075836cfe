import BTree from 'sorted-btree';
import { Entry, KeyRange, KeyValueStore, WriteOp } from './key-value-store';
import { StreamsError } from '../core/errors/streams-error';

import { ABOVE_ALL_KEYS, fromKey, toKey } from './byte-keys';

/** A sorted in-memory byte store. Stands in for a task's RocksDB in tests and dev mode. */
export class InMemoryKeyValueStore implements KeyValueStore {
  readonly kind = 'in-memory';
  private readonly tree = new BTree<string, Buffer>();
  private closed = false;

  async get(key: Buffer): Promise<Buffer | undefined> {
    this.assertOpen();
    return this.tree.get(toKey(key));
  }

  async getMany(keys: Buffer[]): Promise<Array<Buffer | undefined>> {
    this.assertOpen();
    return keys.map((k) => this.tree.get(toKey(k)));
  }

  async range(range: KeyRange = {}): Promise<Entry[]> {
    this.assertOpen();
    const out: Entry[] = [];
    const low = range.gte ? toKey(range.gte) : this.tree.minKey();
    if (low === undefined) return out;
    const high = range.lt ? toKey(range.lt) : undefined;
    const limit = range.limit ?? Infinity;
    this.tree.forRange(low, high ?? ABOVE_ALL_KEYS, false, (k, v) => {
      if (out.length >= limit) return { break: true };
      out.push({ key: fromKey(k), value: v });
    });
    return out;
  }

  async write(ops: WriteOp[]): Promise<void> {
    this.assertOpen();
    for (const op of ops) {
      if (op.value === null) this.tree.delete(toKey(op.key));
      else this.tree.set(toKey(op.key), Buffer.from(op.value));
    }
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  /** Reopens after close: the in-memory "disk" outlives a task instance, as RocksDB files do. */
  reopen(): this {
    this.closed = false;
    return this;
  }

  private assertOpen(): void {
    if (this.closed) throw new StreamsError('store is closed', { code: 'STORE_CLOSED' });
  }
}
