import { KeyValueStore } from './key-value-store';
import { CachingStore, DEFAULT_CACHE_BYTES } from './caching-store';
import { ChangeLoggingStore } from './change-logging-store';
import { RawStore } from './raw-store';

/** A store of a task, as the runtime declares it to the state layer. */
export interface StoreSpec {
  name: string;
  /**
   * The store's changelog topic (`<app>-<store>-changelog`; partition = the task's). A store without one is local:
   * it is not logged, so it must be an index of a logged store (`indexOf`) that a restore can rebuild.
   */
  changelogTopic?: string;
  /**
   * Makes this store a local index of another store of the task: at restore, each replayed entry (key, value) of
   * `store` puts `keyOf(key, value)` here (with an empty value) and removes the entry of the value it replaces, so
   * the index is rebuilt exactly, without ever being logged.
   */
  indexOf?: { store: string; keyOf: (key: Buffer, value: Buffer) => Buffer };
  /**
   * Keep committed values read or written by earlier batches in memory (default true). Off for stores whose keys are
   * seldom read twice, such as dedupe ids: caching them only churns the cache (RocksDB's own block cache remains).
   */
  cacheReads?: boolean;
}

export interface BuiltStore {
  spec: StoreSpec;
  /** The bottom layer, for restores and wipes that bypass the cache. */
  raw: RawStore;
  /** The top layer, which operators use. */
  store: CachingStore;
}

/**
 * The one place store layers are composed (Kafka Streams' `KeyValueStoreBuilder`): caching → change-logging → raw for
 * a logged store, caching → raw for a local index. Typed access (`TypedStore`) wraps the result where an operator
 * wants keys and values in the topology's types.
 */
export function buildStore(spec: StoreSpec, storage: KeyValueStore, partition: number, cacheBytes = DEFAULT_CACHE_BYTES): BuiltStore {
  const raw = new RawStore(spec.name, storage);
  const logged = spec.changelogTopic === undefined ? raw : new ChangeLoggingStore(raw, spec.changelogTopic, partition);
  return { spec, raw, store: new CachingStore(logged, spec.cacheReads === false ? 0 : cacheBytes) };
}
