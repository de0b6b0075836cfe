/** One change to a byte store: a put, or a delete when `value` is null. */
export interface WriteOp {
  key: Buffer;
  value: Buffer | null;
}

export interface KeyRange {
  /** Inclusive lower bound. */
  gte?: Buffer;
  /** Exclusive upper bound. */
  lt?: Buffer;
  /** At most this many entries (the first ones in key order). */
  limit?: number;
}

export interface Entry {
  key: Buffer;
  value: Buffer;
}

/**
 * The raw byte store every store layer ends in: a sorted map from bytes to bytes whose `write` is atomic.
 * Implementations: in memory (tests, dev mode) and RocksDB. Both pass the same contract suite
 * (test/state/key-value-store.contract.ts).
 */
export interface KeyValueStore {
  readonly kind: string;
  get(key: Buffer): Promise<Buffer | undefined>;
  /** Many keys in one call (one thread-pool hop for RocksDB): the values in key order, undefined where absent. */
  getMany(keys: Buffer[]): Promise<Array<Buffer | undefined>>;
  /** Entries in ascending byte order of key. */
  range(range?: KeyRange): Promise<Entry[]>;
  /** Applies every op or none (a RocksDB write batch). Later ops on the same key win. */
  write(ops: WriteOp[]): Promise<void>;
  close(): Promise<void>;
}

/** The smallest key greater than every key that starts with `prefix` (for exclusive range ends). */
export function prefixEnd(prefix: Buffer): Buffer | undefined {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i] < 0xff) {
      end[i]++;
      return end.subarray(0, i + 1);
    }
  }
  return undefined; // all 0xff: no upper bound
}
