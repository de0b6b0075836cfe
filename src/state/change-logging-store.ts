import { Entry, KeyRange, WriteOp } from './key-value-store';
import { ByteStoreLayer, StoreFlush } from './store-layer';

/**
 * Turns each committed change into a record on the store's changelog partition (a delete becomes a tombstone), so
 * the store can be rebuilt anywhere from the log. Reads pass through.
 */
export class ChangeLoggingStore implements ByteStoreLayer {
  constructor(
    private readonly inner: ByteStoreLayer,
    readonly changelogTopic: string,
    readonly partition: number,
  ) {}

  get name(): string {
    return this.inner.name;
  }

  get(key: Buffer): Promise<Buffer | undefined> {
    return this.inner.get(key);
  }

  getMany(keys: Buffer[]): Promise<Array<Buffer | undefined>> {
    return this.inner.getMany(keys);
  }

  range(range?: KeyRange): Promise<Entry[]> {
    return this.inner.range(range);
  }

  flush(changes: WriteOp[], into: StoreFlush, timestamp: number): void {
    for (const c of changes) {
      into.changelog.push({ topic: this.changelogTopic, partition: this.partition, timestamp, key: c.key, value: c.value });
    }
    this.inner.flush(changes, into, timestamp);
  }
}
