import { mkdirSync } from 'node:fs';
import RocksDB from 'rocksdb-native';
import { StreamsError } from '../core/errors/streams-error';
import { Entry, KeyRange, KeyValueStore, WriteOp } from './key-value-store';

function storageError(what: string, location: string, err: unknown): StreamsError {
  return new StreamsError(`RocksDB ${what} failed at ${location}: ${err instanceof Error ? err.message : String(err)}`, { code: 'STORE_IO_FAILED', cause: err });
}

/**
 * A byte store in one RocksDB database through `rocksdb-native` (Holepunch; RocksDB 10.x, prebuilt): batched reads
 * and writes are native (one call for a whole `getMany` or write batch). `write` is one RocksDB write batch.
 */
export class RocksDbNativeKeyValueStore implements KeyValueStore {
  readonly kind = 'rocksdb-native';

  private constructor(
    private readonly db: RocksDB,
    readonly location: string,
  ) {}

  static async open(location: string): Promise<RocksDbNativeKeyValueStore> {
    mkdirSync(location, { recursive: true });
    const db = new RocksDB(location);
    try {
      await db.ready();
    } catch (err) {
      throw storageError('open', location, err);
    }
    return new RocksDbNativeKeyValueStore(db, location);
  }

  async get(key: Buffer): Promise<Buffer | undefined> {
    return (await this.getMany([key]))[0];
  }

  async getMany(keys: Buffer[]): Promise<Array<Buffer | undefined>> {
    if (keys.length === 0) return [];
    try {
      // autoDestroy hands the batch back to the binding once answered (an undestroyed batch holds `close` up).
      const batch = this.db.read({ autoDestroy: true });
      const pending = keys.map((k) => batch.get(k));
      batch.tryFlush();
      return (await Promise.all(pending)).map((v) => v ?? undefined);
    } catch (err) {
      throw storageError('multi-get', this.location, err);
    }
  }

  async range(range: KeyRange = {}): Promise<Entry[]> {
    const bounds: { gte?: Buffer; lt?: Buffer; limit?: number } = {};
    if (range.gte) bounds.gte = range.gte;
    if (range.lt) bounds.lt = range.lt;
    if (range.limit !== undefined) bounds.limit = range.limit;
    if (bounds.limit === 0) return [];
    const out: Entry[] = [];
    try {
      for await (const { key, value } of this.db.iterator(bounds)) out.push({ key, value });
    } catch (err) {
      throw storageError('iterate', this.location, err);
    }
    return out;
  }

  async write(ops: WriteOp[]): Promise<void> {
    if (ops.length === 0) return;
    try {
      const batch = this.db.write({ autoDestroy: true });
      for (const op of ops) {
        if (op.value === null) batch.delete(op.key);
        else batch.put(op.key, op.value);
      }
      await batch.flush();
    } catch (err) {
      throw storageError('write batch', this.location, err);
    }
  }

  async close(): Promise<void> {
    try {
      await this.db.close();
    } catch (err) {
      throw storageError('close', this.location, err);
    }
  }
}
