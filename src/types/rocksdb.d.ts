// The parts of the npm `rocksdb` binding (an abstract-leveldown store) this project uses; it ships no types.
declare module 'rocksdb' {
  type Callback<T = void> = (err: Error | undefined | null, value?: T) => void;
  interface RocksIterator {
    next(cb: (err: Error | undefined | null, key?: Buffer, value?: Buffer) => void): void;
    end(cb: Callback): void;
  }
  interface RocksDB {
    open(options: { createIfMissing?: boolean; errorIfExists?: boolean }, cb: Callback): void;
    close(cb: Callback): void;
    get(key: Buffer, options: { asBuffer: boolean; fillCache?: boolean }, cb: Callback<Buffer>): void;
    getMany(keys: Buffer[], options: { asBuffer: boolean; fillCache?: boolean }, cb: Callback<Array<Buffer | undefined>>): void;
    batch(ops: Array<{ type: 'put' | 'del'; key: Buffer; value?: Buffer }>, options: { sync?: boolean }, cb: Callback): void;
    iterator(options: { gte?: Buffer; lt?: Buffer; keyAsBuffer: boolean; valueAsBuffer: boolean; limit?: number }): RocksIterator;
  }
  function rocksdb(location: string): rocksdb.RocksDB;
  namespace rocksdb {
    export { RocksDB, RocksIterator };
    function destroy(location: string, cb: Callback): void;
  }
  export = rocksdb;
}
