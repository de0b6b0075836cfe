// The parts of the npm `rocksdb-native` binding (Holepunch, RocksDB 10.x) this project uses; it ships no types.
declare module 'rocksdb-native' {
  interface ReadBatch {
    get(key: Buffer): Promise<Buffer | null>;
    flush(): Promise<void>;
    tryFlush(): void;
  }
  interface WriteBatch {
    put(key: Buffer, value: Buffer): void;
    delete(key: Buffer): void;
    flush(): Promise<void>;
    tryFlush(): void;
  }
  interface IteratorOptions {
    gte?: Buffer;
    lt?: Buffer;
    limit?: number;
  }
  class RocksDB {
    constructor(path: string, options?: { createIfMissing?: boolean });
    ready(): Promise<void>;
    close(): Promise<void>;
    read(options?: { autoDestroy?: boolean }): ReadBatch;
    write(options?: { autoDestroy?: boolean }): WriteBatch;
    iterator(range: IteratorOptions): AsyncIterable<{ key: Buffer; value: Buffer }>;
  }
  export = RocksDB;
}
