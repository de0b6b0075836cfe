import { Entry, KeyRange, WriteOp } from './key-value-store';
import { OutgoingRecord } from '../core/records';

/**
 * What a commit collects from the store layers on its way down: changelog records for the Kafka transaction and
 * prefixed writes for the task's RocksDB batch. Nothing here touches the log or the disk; the commit does.
 */
export interface StoreFlush {
  changelog: OutgoingRecord[];
  writes: WriteOp[];
}

/**
 * The one interface every byte-level store layer implements and wraps (as Kafka Streams' layers all are a
 * `KeyValueStore<Bytes, byte[]>`): reads go down through the layers, a batch's changes go down at flush. Layers are
 * composed in one place, `buildStore` (store-builder.ts): caching → change-logging → raw.
 */
export interface ByteStoreLayer {
  readonly name: string;
  get(key: Buffer): Promise<Buffer | undefined>;
  /** Many keys in one round trip to the disk: values in the order asked, undefined where absent. */
  getMany(keys: Buffer[]): Promise<Array<Buffer | undefined>>;
  range(range?: KeyRange): Promise<Entry[]>;
  flush(changes: WriteOp[], into: StoreFlush, timestamp: number): void;
}
