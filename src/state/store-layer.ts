import { Entry, KeyRange, WriteOp } from './key-value-store';
import { OutgoingRecord } from '../runtime/records';

/**
 * What a commit collects from the store layers on its way down: changelog records for the Kafka transaction and
 * prefixed writes for the task's RocksDB batch. Nothing here touches the log or the disk; the commit does.
 */
export interface StoreFlush {
  changelog: OutgoingRecord[];
  writes: WriteOp[];
}

/** A byte-level store layer below the cache: it reads through, and takes the batch's changes at flush. */
export interface ByteStoreLayer {
  readonly name: string;
  get(key: Buffer): Promise<Buffer | undefined>;
  range(range?: KeyRange): Promise<Entry[]>;
  flush(changes: WriteOp[], into: StoreFlush, timestamp: number): void;
}
