import { Topology, TaskId } from '../dsl/topology';
import { KeyValueStore } from '../state/key-value-store';
import { TaskState } from '../state/task-state';
import { changelogPosition } from '../state/checkpoint';
import { StateRestoreListener } from '../state/restore-listener';
import { Commit, CommittedRecord, FaultInjector } from './commit';
import { SourcePipeline, compileSubTopology, storeSpecsOf } from './compile-sub-topology';
import { Envelope } from './envelope';
import { Logger, silentLogger } from '../core/logger';
import { handleFailures } from './operators/handle-failures';
import { LogRecord, OutgoingRecord, TopicPartition, tpKey } from '../core/records';
import { TaskContext } from './task-context';
import { SourceOffset, TaskLog } from './task-log';
import { StreamsError } from '../core/errors/streams-error';
import { StreamsMetrics } from './metrics';

export interface TaskOptions {
  topology: Topology;
  task: TaskId;
  /** The run's default partition count. */
  partitions: number;
  /** The task's own byte store (its RocksDB); nothing else writes to it. */
  storage: KeyValueStore;
  log: TaskLog;
  logger?: Logger;
  faults?: FaultInjector;
  metrics?: StreamsMetrics;
  /** What "now" is for bounding record timestamps (stream time); default the wall clock. */
  clock?: () => number;
  /** Bound of each store's cache of committed reads, in bytes. */
  cacheBytesPerStore?: number;
  /** When a changelog lost what the local state holds (deleted or recreated): wipe and rebuild instead of refusing. */
  rebuildState?: boolean;
  /** Re-commit the offsets of a task that processed nothing for this long (default 1 h; Kafka keeps them 7 days). */
  offsetsKeepAliveMs?: number;
  /** Make the sinks' report lines for each committed batch (default true; off, a sink's `report` is never called). */
  reportLines?: boolean;
  /** Told of each store restore's start, batches and end (as Kafka Streams' `StateRestoreListener`). */
  restoreListener?: StateRestoreListener;
}

/** What to do when a task's committed offsets are missing or behind its checkpoint (see `Task.startOffsets`). */
export type OffsetReset = 'to-checkpoint' | 'earliest';

export const DEFAULT_OFFSETS_KEEPALIVE_MS = 60 * 60 * 1000;

export interface BatchOutcome {
  processed: number;
  committed: CommittedRecord[];
  /** Human lines from sinks with `report`, in output order, once committed. */
  reports: string[];
}

/**
 * One (sub-topology, partition): its own pipeline, stores and log transactions. A batch of source records goes in;
 * outputs, store changes and the next source offsets come out and become visible together at commit, or not at all.
 */
export class Task {
  private readonly pipelines: Map<string, SourcePipeline>;
  private readonly boundary: (batch: Envelope[]) => OutgoingRecord[];
  private closed = false;
  /** The next offset of each source partition as last committed (or resumed from). */
  private readonly positions = new Map<string, SourceOffset>();
  private offsetsCommittedAt = 0;

  private constructor(
    private readonly opts: TaskOptions,
    private readonly state: TaskState,
    readonly context: TaskContext,
  ) {
    const sub = opts.topology.subTopology(opts.task.subTopology);
    this.pipelines = compileSubTopology(sub, context);
    this.boundary = handleFailures(opts.topology.errors, opts.topology.partitionsOf(opts.topology.errors.deadLetterTopic, opts.partitions));
  }

  static async open(opts: TaskOptions): Promise<Task> {
    const sub = opts.topology.subTopology(opts.task.subTopology);
    const state = await TaskState.open(opts.storage, storeSpecsOf(sub), opts.task.partition, opts.task.id, opts.cacheBytesPerStore);
    const context = new TaskContext(opts.topology.applicationId, opts.task.id, opts.task.partition, opts.topology, opts.partitions, state.stores, opts.clock);
    // Stream time never goes back, not even across a restart.
    context.streamTime = state.checkpoint.streamTime ?? 0;
    return new Task(opts, state, context);
  }

  get id(): string {
    return this.opts.task.id;
  }

  get logger(): Logger {
    return this.opts.logger ?? silentLogger;
  }

  /** The source partitions this task owns: partition p of each source topic. */
  /** The source offsets the task's last commit moved to, by `topic-partition` (what its checkpoint says). */
  get committedSourceOffsets(): Record<string, number> {
    return this.state.checkpoint.source;
  }

  /** How far the task's state has read its changelogs (sum of the checkpoint's changelog offsets). */
  get statePosition(): number {
    return changelogPosition(this.state.checkpoint);
  }

  get sources(): TopicPartition[] {
    return this.opts.topology.subTopology(this.opts.task.subTopology).sources.map((s) => ({ topic: s.topic, partition: this.opts.task.partition }));
  }

  /** Replays changelogs into the local stores (from the checkpoint, or from scratch). */
  async restore(): Promise<{ restored: number }> {
    const result = await this.state.restore(this.opts.log, this.logger, this.opts.restoreListener, { rebuildOnChangelogLoss: this.opts.rebuildState });
    this.context.streamTime = Math.max(this.context.streamTime, this.state.checkpoint.streamTime ?? 0);
    this.opts.metrics?.restored.inc({ task: this.id }, result.restored);
    return result;
  }

  /**
   * Where to resume each source partition: the offset committed with the last transaction (the beginning for a task
   * that never committed). A committed offset that is missing or behind what the task's checkpoint says it processed
   * means the group's offsets expired or were reset: resuming there would process those records again, past the
   * dedupe window, so it is refused (`OFFSETS_LOST`) unless `reset` says what to do: `to-checkpoint` resumes where
   * the local state says, `earliest` deliberately reprocesses everything.
   */
  async startOffsets(reset?: OffsetReset): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    const checkpoint = this.state.checkpoint;
    for (const tp of this.sources) {
      const committed = await this.opts.log.committedOffset(tp);
      const processed = checkpoint.source[tpKey(tp)];
      let start = committed ?? 0;
      if (processed !== undefined && (committed === undefined || committed < processed)) {
        const found = committed === undefined ? 'no committed offset' : `committed offset ${committed}`;
        if (reset === undefined) {
          throw new StreamsError(
            `task ${this.id}: ${tpKey(tp)} has ${found}, but the task's checkpoint says it processed up to offset ${processed}: ` +
              `the group's offsets expired or were reset. Resuming there would process records again. ` +
              `Start it with --reset-offsets to-checkpoint (resume at ${processed}) or --reset-offsets earliest (reprocess all).`,
            { code: 'OFFSETS_LOST' },
          );
        }
        start = reset === 'to-checkpoint' ? processed : 0;
        this.logger.warn({ tp: tpKey(tp), committed, checkpoint: processed, reset, start }, `task ${this.id}: ${found} for ${tpKey(tp)}; resuming at ${start} (--reset-offsets ${reset})`);
      }
      start = await this.withinLog(tp, start, committed === undefined && processed === undefined, reset);
      out.set(tp.topic, start);
      this.positions.set(tpKey(tp), { ...tp, offset: start });
    }
    this.offsetsCommittedAt = this.now();
    return out;
  }

  /**
   * Checks a resume offset against what the partition still holds. Below the log start, records this task never read
   * were deleted (retention ran while it was down): skipping them silently would lose them (a leg, half a transfer),
   * so it is refused unless `--reset-offsets earliest` accepts the loss. Beyond the log end, the topic was recreated
   * or truncated: new records would be filtered out for a long time, so that is refused too. A task that never read
   * the partition simply starts where the log starts.
   */
  private async withinLog(tp: TopicPartition, start: number, neverRead: boolean, reset?: OffsetReset): Promise<number> {
    const { start: low, end: high } = await this.opts.log.logBounds(tp);
    if (start >= low && start <= high) return start;
    if (start < low && neverRead) return low;
    if (reset === 'earliest') {
      this.logger.warn({ tp: tpKey(tp), start, low, high }, `task ${this.id}: resuming ${tpKey(tp)} at its log start ${low} instead of ${start} (--reset-offsets earliest)`);
      return low;
    }
    if (start < low) {
      throw new StreamsError(
        `task ${this.id}: ${tpKey(tp)} resumes at offset ${start}, but records ${start}..${low - 1} were deleted (retention ran out before this task read them). ` +
          `They are lost to this task; --reset-offsets earliest resumes at ${low}, accepting that.`,
        { code: 'RECORDS_LOST' },
      );
    }
    throw new StreamsError(
      `task ${this.id}: ${tpKey(tp)} resumes at offset ${start}, beyond the end of the log (${high}): the topic was recreated or truncated. ` +
        `--reset-offsets earliest resumes at its start (${low}).`,
      { code: 'OFFSETS_BEYOND_END' },
    );
  }

  /**
   * Commits the task's offsets again (an empty transaction) when it has committed nothing for `offsetsKeepAliveMs`:
   * Kafka expires the offsets of a group without members that long after their last commit, even while the task
   * runs idle. Called by the task loop when a turn found no records.
   */
  async keepOffsetsAlive(): Promise<void> {
    if (this.closed || this.positions.size === 0) return;
    if (this.now() - this.offsetsCommittedAt < (this.opts.offsetsKeepAliveMs ?? DEFAULT_OFFSETS_KEEPALIVE_MS)) return;
    // Not a batch: injected faults (which stand for "the next batch dies at ...") do not apply to it.
    await this.commit([], [...this.positions.values()], undefined);
  }

  /** Processes a batch and commits it. Throws (with nothing committed) if a record fails under the `fail` policy. */
  async run(records: LogRecord[]): Promise<BatchOutcome> {
    if (this.closed) throw new StreamsError(`task ${this.id} is closed`, { code: 'TASK_CLOSED' });
    if (records.length === 0) return { processed: 0, committed: [], reports: [] };
    const started = process.hrtime.bigint();
    let outputs: OutgoingRecord[];
    try {
      outputs = await this.process(records);
      this.opts.faults?.('processing');
    } catch (err) {
      this.state.discard();
      throw err;
    }
    const committed = await this.commit(outputs, nextOffsets(records), this.opts.faults);
    const reports: string[] = [];
    if (this.opts.reportLines !== false) {
      for (const c of committed) {
        const line = c.record.report?.({ partition: c.partition, offset: c.offset });
        if (line) reports.push(line);
      }
    }
    this.observe(records.length, committed, Number(process.hrtime.bigint() - started) / 1e9);
    return { processed: records.length, committed, reports };
  }

  /** One commit (the state machine in commit.ts); a failed one closes the task. */
  private async commit(outputs: OutgoingRecord[], offsets: SourceOffset[], faults: FaultInjector | undefined): Promise<CommittedRecord[]> {
    const commit = new Commit(this.id, this.state, this.opts.log, outputs, offsets, this.context.streamTime, faults);
    commit.prepare();
    try {
      const committed = await commit.complete();
      for (const o of offsets) this.positions.set(tpKey(o), o);
      this.offsetsCommittedAt = this.now();
      return committed;
    } catch (err) {
      // The log may be ahead of the disk now (a failure after the transaction): only a restore may continue.
      await this.close();
      throw err;
    }
  }

  private now(): number {
    return (this.opts.clock ?? Date.now)();
  }

  /** Drops uncommitted work and releases the store (a crash or a clean stop; committed state is already on disk). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.state.discard();
    await this.state.close();
  }

  private observe(processed: number, committed: CommittedRecord[], seconds: number): void {
    const m = this.opts.metrics;
    if (!m) return;
    const task = this.id;
    m.records.inc({ task }, processed);
    m.commits.inc({ task });
    m.commitSeconds.observe({ task }, seconds);
    // Counted per topic first: one labelled increment per topic and commit, not one per record.
    const perTopic = new Map<string, number>();
    const deadLetterTopic = this.opts.topology.errors.deadLetterTopic;
    for (const { record } of committed) {
      perTopic.set(record.topic, (perTopic.get(record.topic) ?? 0) + 1);
      const stage = record.headers?.['error.stage'];
      if (record.topic === deadLetterTopic && stage) m.deadLetters.inc({ task, stage: stage.toString() });
    }
    for (const [topic, count] of perTopic) m.outputs.inc({ task, topic }, count);
  }

  /**
   * Runs the batch through the pipelines: each run of consecutive records of one source topic goes through that
   * source's pipeline as one batch (a sub-topology with one source takes the whole batch at once), in order.
   */
  private async process(records: LogRecord[]): Promise<OutgoingRecord[]> {
    const envelopes: Envelope[] = [];
    for (let start = 0; start < records.length; ) {
      const topic = records[start].topic;
      let end = start + 1;
      while (end < records.length && records[end].topic === topic) end++;
      const pipeline = this.pipelines.get(topic);
      if (!pipeline) throw new StreamsError(`task ${this.id} got a record of ${topic}, which it does not read`, { code: 'UNEXPECTED_TOPIC' });
      const run = start === 0 && end === records.length ? records : records.slice(start, end);
      const result = await pipeline(run, start);
      for (const env of result) envelopes.push(env);
      start = end;
    }
    return this.boundary(envelopes);
  }
}

function nextOffsets(records: LogRecord[]): SourceOffset[] {
  const next = new Map<string, SourceOffset>();
  for (const r of records) next.set(`${r.topic}-${r.partition}`, { topic: r.topic, partition: r.partition, offset: r.offset + 1 });
  return [...next.values()];
}
