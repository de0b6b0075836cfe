import { LogRecord, TopicPartition } from '../core/records';
import { BatchLimits, BatchSource, recordBytes } from '../runtime/task-loop';
import { InMemoryLog } from './in-memory-log';

/** A task's source partitions on the in-memory log, read from the task's positions (its committed offsets at start). */
export class InMemoryBatchSource implements BatchSource {
  constructor(
    private readonly log: InMemoryLog,
    private readonly sources: TopicPartition[],
    /** Next offset to read per source topic. */
    readonly positions: Map<string, number>,
  ) {}

  /** What is there now (the driver never waits: an empty answer means the task is idle). */
  async next(limits: BatchLimits): Promise<LogRecord[]> {
    const batch: LogRecord[] = [];
    let bytes = 0;
    for (const tp of this.sources) {
      for (const r of this.log.read(tp, this.positions.get(tp.topic) ?? 0, limits.maxRecords - batch.length)) {
        bytes += recordBytes(r);
        if (batch.length > 0 && bytes > limits.maxBytes) return batch;
        batch.push(r);
      }
    }
    return batch;
  }

  advance(records: LogRecord[]): void {
    for (const r of records) this.positions.set(r.topic, r.offset + 1);
  }
}
