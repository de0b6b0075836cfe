import { Entry, KeyRange, KeyValueStore, WriteOp, prefixEnd } from './key-value-store';
import { ByteStoreLayer, StoreFlush } from './store-layer';

/**
 * One named store inside its task's byte store: every key is prefixed with `s\0<name>\0`, so all stores of a task
 * and its checkpoint live in one RocksDB and change in one write batch.
 */
export class RawStore implements ByteStoreLayer {
  private readonly prefix: Buffer;
  private readonly end: Buffer | undefined;

  constructor(
    readonly name: string,
    private readonly storage: KeyValueStore,
  ) {
    this.prefix = RawStore.prefixOf(name);
    this.end = prefixEnd(this.prefix);
  }

  /** Every store's keys start with this (the checkpoint's do not). */
  static readonly ALL_STORES_PREFIX = Buffer.from('s\u0000', 'latin1');

  static prefixOf(name: string): Buffer {
    return Buffer.concat([RawStore.ALL_STORES_PREFIX, Buffer.from(`${name}\u0000`, 'utf8')]);
  }

  toStorageKey(key: Buffer): Buffer {
    return Buffer.concat([this.prefix, key]);
  }

  get(key: Buffer): Promise<Buffer | undefined> {
    return this.storage.get(this.toStorageKey(key));
  }

  getMany(keys: Buffer[]): Promise<Array<Buffer | undefined>> {
    return this.storage.getMany(keys.map((k) => this.toStorageKey(k)));
  }

  async range(range: KeyRange = {}): Promise<Entry[]> {
    const entries = await this.storage.range({
      gte: range.gte ? this.toStorageKey(range.gte) : this.prefix,
      lt: range.lt ? this.toStorageKey(range.lt) : this.end,
      limit: range.limit,
    });
    return entries.map((e) => ({ key: e.key.subarray(this.prefix.length), value: e.value }));
  }

  flush(changes: WriteOp[], into: StoreFlush): void {
    for (const c of changes) into.writes.push({ key: this.toStorageKey(c.key), value: c.value });
  }

  /** Deletes for every key of this store (used when local state no longer matches its changelog). */
  async wipeOps(): Promise<WriteOp[]> {
    return (await this.range()).map((e) => ({ key: this.toStorageKey(e.key), value: null }));
  }
}
