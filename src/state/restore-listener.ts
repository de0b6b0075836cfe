import { TopicPartition } from '../core/records';

/**
 * Told how each store's restore goes, as Kafka Streams' `StateRestoreListener` (same methods, same arguments): a
 * restore replays a store's changelog partition (`<app>-<store>-changelog`, partition = the task's partition) from
 * the task's checkpoint to the partition's end. Called only for a store with something to replay, on the task's own
 * path: a listener that throws fails the task's start.
 */
export interface StateRestoreListener {
  /** `startingOffset` (inclusive) to `endingOffset` (exclusive: the partition's end) is what will be replayed. */
  onRestoreStart?(topicPartition: TopicPartition, storeName: string, startingOffset: number, endingOffset: number): void;
  /** One batch is written: `batchEndOffset` is the offset of its last record (inclusive), `numRestored` its records. */
  onBatchRestored?(topicPartition: TopicPartition, storeName: string, batchEndOffset: number, numRestored: number): void;
  /** The store is up to date: `totalRestored` records were replayed into it. */
  onRestoreEnd?(topicPartition: TopicPartition, storeName: string, totalRestored: number): void;
}
