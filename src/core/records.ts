/** A topic and partition: the unit of ordering, of consumption and of a task's input. */
export interface TopicPartition {
  topic: string;
  partition: number;
}

export type Headers = Record<string, Buffer>;

/** A record as stored in a partition of the log (Kafka, or the in-memory log): bytes and their position. */
export interface LogRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Headers;
}

/** A record a task writes in its transaction: an output, a changelog entry, or a dead letter. */
export interface OutgoingRecord {
  topic: string;
  partition: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers?: Headers;
  /** A human line about this record once it is committed (the CLI prints it), given its final position. */
  report?: (position: { partition: number; offset: number }) => string | undefined;
}

/** The typed record user functions see. `source` is the log record it came from (for errors and dead letters). */
export interface StreamRecord<K, V> {
  readonly key: K;
  readonly value: V;
  readonly timestamp: number;
  readonly headers: Headers;
  readonly source: LogRecord;
}

export interface KeyValue<K, V> {
  key: K;
  value: V;
}

export function tpKey(tp: TopicPartition): string {
  return `${tp.topic}-${tp.partition}`;
}
