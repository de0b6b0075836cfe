import { ChangelogReader } from '../state/task-state';
import { OutgoingRecord, TopicPartition } from '../core/records';

export interface SourceOffset extends TopicPartition {
  /** The next offset to consume (last processed + 1), as Kafka commits it. */
  offset: number;
}

/** One task's batch, written atomically: outputs and changelog records, and the source offsets that produced them. */
export interface TransactionRequest {
  records: OutgoingRecord[];
  offsets: SourceOffset[];
}

export interface TransactionResult {
  /** Where each record of the request landed, in request order. */
  positions: Array<{ partition: number; offset: number }>;
  /**
   * The end of each written partition (`topic-partition`) after the transaction, when it differs from last offset + 1:
   * Kafka appends a commit marker. Checkpoints store it so a clean restart has nothing to replay.
   */
  endOffsets?: Record<string, number>;
}

/**
 * The only thing that differs between the in-memory driver and a Kafka cluster: how a task commits a transaction,
 * where it resumes, and how it reads its changelogs back. Source records are handed to the task by its runner.
 */
export interface TaskLog extends ChangelogReader {
  /** Where the task resumes reading a source partition: its committed consumer offset, or undefined if none. */
  committedOffset(tp: TopicPartition): Promise<number | undefined>;
  /** The offsets a partition holds: `start` (retention or `deleteRecords` may have moved it up from 0) to `end`. */
  logBounds(tp: TopicPartition): Promise<{ start: number; end: number }>;
  /** Writes every record and commits every offset in one transaction; all or nothing. */
  commitTransaction(tx: TransactionRequest): Promise<TransactionResult>;
}
