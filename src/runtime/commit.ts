import { StreamsError } from '../core/errors/streams-error';
import { Checkpoint, recordDigest } from '../state/checkpoint';
import { StoreFlush } from '../state/store-layer';
import { TaskState } from '../state/task-state';
import { OutgoingRecord } from '../core/records';
import { SourceOffset, TaskLog } from './task-log';

export type CommitState = 'started' | 'prepared' | 'complete' | 'failed';

/** Named places in a commit where tests inject a crash. */
export const COMMIT_POINTS = ['before-transaction', 'after-transaction', 'after-store-write'] as const;
export type CommitPoint = (typeof COMMIT_POINTS)[number];
/** Where a task can be made to die: while processing its batch (before the commit), or at a point inside the commit. */
export type FaultPoint = 'processing' | CommitPoint;
export const FAULT_POINTS: readonly FaultPoint[] = ['processing', ...COMMIT_POINTS];
export type FaultInjector = (point: FaultPoint) => void;

export interface CommittedRecord {
  record: OutgoingRecord;
  partition: number;
  offset: number;
}

/**
 * One batch's commit, as an explicit state machine (started → prepared → complete | failed), each step guarded:
 *  1. prepare: flush the stores' cached writes into changelog records and disk writes (nothing visible yet);
 *  2. the log transaction: outputs + changelog records + source offsets, all or nothing;
 *  3. the disk: store writes + checkpoint (source and changelog offsets) in one RocksDB write batch.
 * A crash before 2 completes leaves nothing anywhere; a crash between 2 and 3 is repaired at restart by replaying
 * the changelog from the checkpoint, which is exactly the missing write batch.
 */
export class Commit {
  private state: CommitState = 'started';
  private flushed?: StoreFlush;

  constructor(
    private readonly taskId: string,
    private readonly taskState: TaskState,
    private readonly log: TaskLog,
    private readonly outputs: OutgoingRecord[],
    private readonly offsets: SourceOffset[],
    /** The task's stream time at the end of the batch: changelog records carry it, and the checkpoint keeps it. */
    private readonly timestamp: number,
    private readonly faults?: FaultInjector,
  ) {}

  prepare(): void {
    this.expect('started');
    this.flushed = this.taskState.flush(this.timestamp);
    this.state = 'prepared';
  }

  async complete(): Promise<CommittedRecord[]> {
    this.expect('prepared');
    try {
      const flushed = this.flushed!;
      this.faults?.('before-transaction');
      const records = [...this.outputs, ...flushed.changelog];
      const { positions, endOffsets } = await this.log.commitTransaction({ records, offsets: this.offsets });
      if (positions.length !== records.length) {
        throw new StreamsError(`log returned ${positions.length} positions for ${records.length} records`, { code: 'COMMIT_PROTOCOL' });
      }
      this.faults?.('after-transaction');
      await this.taskState.persist(flushed.writes, this.nextCheckpoint(records, positions, endOffsets));
      this.faults?.('after-store-write');
      this.state = 'complete';
      return this.outputs.map((record, i) => ({ record, ...positions[i] }));
    } catch (err) {
      this.state = 'failed';
      this.taskState.discard();
      throw err;
    }
  }

  private nextCheckpoint(records: OutgoingRecord[], positions: Array<{ offset: number }>, endOffsets: Record<string, number> = {}): Checkpoint {
    const next = this.taskState.checkpoint;
    next.streamTime = this.timestamp;
    for (const o of this.offsets) next.source[`${o.topic}-${o.partition}`] = o.offset;
    for (let i = this.outputs.length; i < records.length; i++) {
      const { topic, partition } = records[i];
      const end = endOffsets[`${topic}-${partition}`] ?? positions[i].offset + 1;
      next.changelog[topic] = Math.max(next.changelog[topic] ?? 0, end);
    }
    // Each changelog's last record of this batch anchors its identity (checked at the next restore).
    const anchored = new Set<string>();
    for (let i = records.length - 1; i >= this.outputs.length; i--) {
      const { topic, key, value } = records[i];
      if (anchored.has(topic)) continue;
      anchored.add(topic);
      (next.anchors ??= {})[topic] = { offset: positions[i].offset, digest: recordDigest(key, value) };
    }
    return next;
  }

  private expect(state: CommitState): void {
    if (this.state !== state) {
      throw new StreamsError(`commit of task ${this.taskId} is ${this.state}, expected ${state}`, { code: 'COMMIT_ILLEGAL_STATE' });
    }
  }
}
