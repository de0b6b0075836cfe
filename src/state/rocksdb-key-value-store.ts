import { mkdirSync } from 'node:fs';
import rocksdb from 'rocksdb';
import { Entry, KeyRange, KeyValueStore, WriteOp } from './key-value-store';
import { StreamsError } from '../core/errors/streams-error';

function storageError(what: string, location: string, err: Error): StreamsError {
  return new StreamsError(`RocksDB ${what} failed at ${location}: ${err.message}`, { code: 'STORE_IO_FAILED', cause: err });
}

/**
 * A byte store in one RocksDB database (npm `rocksdb`, prebuilt binary). `write` is one RocksDB write batch, which
 * is what lets a commit put store changes and the checkpoint on disk together or not at all.
 */
export class RocksDbKeyValueStore implements KeyValueStore {
  readonly kind = 'rocksdb';

  private constructor(
    private readonly db: rocksdb.RocksDB,
    readonly location: string,
  ) {}

  static async open(location: string): Promise<RocksDbKeyValueStore> {
    mkdirSync(location, { recursive: true });
    const db = rocksdb(location);
    await new Promise<void>((resolve, reject) =>
      db.open({ createIfMissing: true }, (err) => (err ? reject(storageError('open', location, err)) : resolve())),
    );
    return new RocksDbKeyValueStore(db, location);
  }

  get(key: Buffer): Promise<Buffer | undefined> {
    return new Promise((resolve, reject) =>
      this.db.get(key, { asBuffer: true }, (err, value) => {
        if (err) {
          if (/NotFound/i.test(err.message)) resolve(undefined);
          else reject(storageError('get', this.location, err));
        } else resolve(value);
      }),
    );
  }

  getMany(keys: Buffer[]): Promise<Array<Buffer | undefined>> {
    if (keys.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) =>
      this.db.getMany(keys, { asBuffer: true, fillCache: true }, (err, values) => {
        if (err) reject(storageError('multi-get', this.location, err));
        else resolve((values ?? []).map((v) => v ?? undefined));
      }),
    );
  }

  async range(range: KeyRange = {}): Promise<Entry[]> {
    // abstract-leveldown treats a present-but-undefined bound as a bound, so only pass the ones given.
    const bounds: { gte?: Buffer; lt?: Buffer; limit?: number } = {};
    if (range.gte) bounds.gte = range.gte;
    if (range.lt) bounds.lt = range.lt;
    if (range.limit !== undefined) bounds.limit = range.limit;
    const it = this.db.iterator({ ...bounds, keyAsBuffer: true, valueAsBuffer: true });
    const out: Entry[] = [];
    try {
      for (;;) {
        const entry = await new Promise<Entry | undefined>((resolve, reject) =>
          it.next((err, key, value) => {
            if (err) reject(storageError('iterate', this.location, err));
            else resolve(key === undefined ? undefined : { key: key, value: value as Buffer });
          }),
        );
        if (!entry) return out;
        out.push(entry);
      }
    } finally {
      await new Promise<void>((resolve) => it.end(() => resolve()));
    }
  }

  write(ops: WriteOp[]): Promise<void> {
    if (ops.length === 0) return Promise.resolve();
    const batch = ops.map((op) =>
      op.value === null ? { type: 'del' as const, key: op.key } : { type: 'put' as const, key: op.key, value: op.value },
    );
    return new Promise((resolve, reject) =>
      this.db.batch(batch, {}, (err) => (err ? reject(storageError('write batch', this.location, err)) : resolve())),
    );
  }

  close(): Promise<void> {
    return new Promise((resolve, reject) =>
      this.db.close((err) => (err ? reject(storageError('close', this.location, err)) : resolve())),
    );
  }
}
