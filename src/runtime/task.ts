import { Topology, TaskId } from '../dsl/topology';
import { KeyValueStore } from '../state/key-value-store';
import { TaskState } from '../state/task-state';
import { Commit, CommittedRecord, FaultInjector } from './commit';
import { SourcePipeline, compileSubTopology, storeSpecsOf } from './compile-sub-topology';
import { Envelope } from './envelope';
import { Logger, silentLogger } from '../core/logger';
import { handleFailures } from './operators/handle-failures';
import { LogRecord, OutgoingRecord, TopicPartition } from '../core/records';
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
  /** Make the sinks' report lines for each committed batch (default true; off, a sink's `report` is never called). */
  reportLines?: boolean;
}

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
  get sources(): TopicPartition[] {
    return this.opts.topology.subTopology(this.opts.task.subTopology).sources.map((s) => ({ topic: s.topic, partition: this.opts.task.partition }));
  }

  /** Replays changelogs into the local stores (from the checkpoint, or from scratch). */
  async restore(): Promise<{ restored: number }> {
    const result = await this.state.restore(this.opts.log, this.logger);
    this.context.streamTime = Math.max(this.context.streamTime, this.state.checkpoint.streamTime ?? 0);
    this.opts.metrics?.restored.inc({ task: this.id }, result.restored);
    return result;
  }

  /** Where to resume each source partition: the offset committed with the last transaction, else the beginning. */
  async startOffsets(): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const tp of this.sources) out.set(tp.topic, (await this.opts.log.committedOffset(tp)) ?? 0);
    return out;
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
    const commit = new Commit(this.id, this.state, this.opts.log, outputs, nextOffsets(records), this.context.streamTime, this.opts.faults);
    commit.prepare();
    let committed: CommittedRecord[];
    try {
      committed = await commit.complete();
    } catch (err) {
      // The log may be ahead of the disk now (a failure after the transaction): only a restore may continue.
      await this.close();
      throw err;
    }
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
    for (const { record } of committed) {
      m.outputs.inc({ task, topic: record.topic });
      const stage = record.headers?.['error.stage'];
      if (record.topic === this.opts.topology.errors.deadLetterTopic && stage) m.deadLetters.inc({ task, stage: stage.toString() });
    }
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
