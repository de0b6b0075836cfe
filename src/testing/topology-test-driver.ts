import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Topology, TaskId } from '../dsl/topology';
import { SinkNode, SourceNode } from '../dsl/nodes';
import { Serde } from '../serde/serde';
import { Serdes } from '../serde';
import { StreamsError } from '../core/errors/streams-error';
import { FAULT_POINTS, FaultPoint } from '../runtime/commit';
import { BatchLimits, DEFAULT_BATCH_LIMITS, runNextBatch } from '../runtime/task-loop';
import { InMemoryBatchSource } from './in-memory-batch-source';

export { FAULT_POINTS, FaultPoint };
import { partitionForKey } from '../runtime/murmur2';
import { LogRecord, TopicPartition } from '../core/records';
import { OffsetReset, Task } from '../runtime/task';
import { Logger, silentLogger } from '../core/logger';
import { StreamsMetrics } from '../runtime/metrics';
import { StateRestoreListener } from '../state/restore-listener';
import { InMemoryKeyValueStore } from '../state/in-memory-key-value-store';
import { KeyValueStore } from '../state/key-value-store';
import { RocksDbKeyValueStore } from '../state/rocksdb-key-value-store';
import { CachingStore } from '../state/caching-store';
import { TypedStore } from '../state/typed-store';
import { Duration, parseDuration } from '../core/duration';
import { InMemoryLog } from './in-memory-log';

export interface DriverOptions {
  /** Partitions of every topic the topology does not declare itself (default: the topology's). */
  partitions?: number;
  /** Keep task state in RocksDB under `<stateDir>/<app>/<task>/`; default: in memory (kept across restarts). */
  stateDir?: string;
  /** The driver's clock at start, in ms; piped records default to it. */
  startTime?: number;
  /** Records per batch (per task commit); default 100. */
  maxBatchSize?: number;
  /** Key + value bytes per batch; default 1 MiB. */
  maxBatchBytes?: number;
  /**
   * What the log keeps of the topology's source topics: `all` (default: tests can read every record), or
   * `unconsumed`, which releases records every reading task has committed past, so a long run (dev mode, benchmarks)
   * does not keep every record forever. Changelogs are compacted either way, as Kafka does.
   */
  retain?: 'all' | 'unconsumed';
  /** Bound of each store's cache of committed reads, in bytes. */
  cacheBytesPerStore?: number;
  /** Collect the sinks' report lines (`reports`, `onReport`); default true. */
  reportLines?: boolean;
  logger?: Logger;
  /** Called with each committed report line (the CLI's balance lines). */
  onReport?: (line: string, taskId: string) => void;
  /** Task metrics, as `topology run --metrics` exposes them. */
  metrics?: StreamsMetrics;
  /** Told of each store restore's start, batches and end, at every task (re)start (Kafka Streams' `StateRestoreListener`). */
  restoreListener?: StateRestoreListener;
}

/** Thrown by an injected fault: the driver treats it as the task's process dying at that point. */
export class SimulatedCrash extends StreamsError {
  constructor(taskId: string, point: string) {
    super(`simulated crash of ${taskId} at ${point}`, { code: 'SIMULATED_CRASH' });
  }
}

interface TaskSlot {
  id: TaskId;
  task?: Task;
  source?: InMemoryBatchSource;
  fault?: { point: FaultPoint };
}

export interface OutputRecord<K, V> {
  key: K;
  value: V;
  partition: number;
  offset: number;
  timestamp: number;
  headers: Record<string, Buffer>;
}

/**
 * Runs a whole topology in one process on an in-memory log, in the spirit of Kafka Streams' TopologyTestDriver, but
 * with every task a real Task (same pipeline, stores and commit code as the Kafka runner) and murmur2 partitioning.
 * Tests can crash tasks, inject faults inside a commit, wipe local state and restart.
 */
export class TopologyTestDriver {
  readonly log = new InMemoryLog();
  readonly reports: string[] = [];
  private readonly slots = new Map<string, TaskSlot>();
  private readonly disks = new Map<string, InMemoryKeyValueStore>();
  private clock: number;
  private readonly partitions: number;
  private running?: Promise<void>;
  private readonly limits: BatchLimits;

  private constructor(
    readonly topology: Topology,
    private readonly opts: DriverOptions,
  ) {
    this.partitions = opts.partitions ?? topology.defaultPartitions;
    this.clock = opts.startTime ?? Date.UTC(2026, 0, 1);
    for (const spec of topology.topics(this.partitions)) this.log.createTopic(spec.name, spec.partitions, { compacted: spec.cleanupPolicy === 'compact' });
    for (const id of topology.tasks(this.partitions)) this.slots.set(id.id, { id });
    this.limits = { ...DEFAULT_BATCH_LIMITS, maxRecords: opts.maxBatchSize ?? 100, maxBytes: opts.maxBatchBytes ?? DEFAULT_BATCH_LIMITS.maxBytes, maxWaitMs: 0 };
  }

  static async create(topology: Topology, opts: DriverOptions = {}): Promise<TopologyTestDriver> {
    const driver = new TopologyTestDriver(topology, opts);
    for (const id of driver.slots.keys()) await driver.restart(id);
    return driver;
  }

  get taskIds(): string[] {
    return [...this.slots.keys()];
  }

  /** The driver's clock; piped records without a timestamp get it. */
  get now(): number {
    return this.clock;
  }

  advanceTime(by: Duration): void {
    this.clock += parseDuration(by, 'advanceTime');
  }

  inputTopic<K, V>(topic: string, serdes?: { key: Serde<K>; value: Serde<V> }): TestInputTopic<K, V> {
    const source = this.topology.subTopologies.flatMap((s) => s.sources).find((s: SourceNode) => s.topic === topic);
    const chosen = serdes ?? (source && { key: source.keySerde, value: source.valueSerde });
    if (!chosen) throw new StreamsError(`${topic} is not a source of the topology; pass its serdes`, { code: 'UNKNOWN_TOPIC' });
    return new TestInputTopic<K, V>(this, topic, chosen);
  }

  outputTopic<K, V>(topic: string, serdes?: { key: Serde<K>; value: Serde<V> }): TestOutputTopic<K, V> {
    const sink = this.topology.subTopologies.flatMap((s) => s.sinks).find((s: SinkNode) => s.topic === topic);
    const chosen = serdes ?? (sink && { key: sink.keySerde, value: sink.valueSerde });
    if (!chosen) throw new StreamsError(`${topic} is not written by the topology; pass its serdes`, { code: 'UNKNOWN_TOPIC' });
    return new TestOutputTopic<K, V>(this.log, topic, chosen);
  }

  /** Appends raw bytes to a topic (partitioned by murmur2 of the key) and processes until every task is idle. */
  async pipeRaw(topic: string, key: Buffer | null, value: Buffer | null, timestamp = this.clock, headers: Record<string, Buffer> = {}): Promise<LogRecord> {
    const partitions = this.log.partitionCount(topic);
    const partition = key === null ? 0 : partitionForKey(key, partitions);
    const stored = this.log.append({ topic, partition, key, value, timestamp, headers });
    await this.process();
    return stored;
  }

  /** Runs every live task until none has unread input. Errors of a task (other than injected crashes) propagate. */
  async process(): Promise<void> {
    // Serialize: a test may pipe from several async paths; tasks must still run one batch at a time.
    while (this.running) await this.running;
    this.running = this.drain();
    try {
      await this.running;
    } finally {
      this.running = undefined;
    }
  }

  /**
   * The committed content of a task's store, through the store's serdes. An operator's internal store (such as a
   * dedupe's local time index, `<name>#by-time`) reads as bytes.
   */
  async store<K, V>(taskId: string, name: string): Promise<Array<{ key: K; value: V }>> {
    const slot = this.slot(taskId);
    if (!slot.task) throw new StreamsError(`task ${taskId} is not running; restart it first`, { code: 'TASK_DOWN' });
    const def = this.topology.subTopology(slot.id.subTopology).stores.find((s) => s.name === name);
    const bytes = Serdes.buffer();
    const store = slot.task.context.store(name);
    return new TypedStore<K, V>(store, (def?.keySerde ?? bytes) as Serde<K>, (def?.valueSerde ?? bytes) as Serde<V>, def?.changelogTopic ?? name).all();
  }

  /** Kills a task as a crash would: uncommitted work is dropped; it processes nothing until `restart`. */
  async crash(taskId: string): Promise<void> {
    const slot = this.slot(taskId);
    const task = slot.task;
    slot.task = undefined;
    await task?.close();
  }

  /** Makes the task's next batch die at `point` (inside the commit), as a process killed there would. */
  failNext(taskId: string, point: FaultPoint): void {
    this.slot(taskId).fault = { point };
  }

  /** Deletes a stopped task's local state, as `rm -rf` of its state directory would. */
  async wipeState(taskId: string): Promise<void> {
    const slot = this.slot(taskId);
    if (slot.task) throw new StreamsError(`crash task ${taskId} before wiping its state`, { code: 'TASK_RUNNING' });
    this.disks.delete(taskId);
    if (this.opts.stateDir) {
      rmSync(this.stateDirOf(taskId), { recursive: true, force: true });
    }
  }

  /** Starts (or restarts) a task: opens its state, restores it from checkpoint + changelog, resumes at its offsets. */
  async restart(taskId: string, options: { resetOffsets?: OffsetReset; rebuildState?: boolean } = {}): Promise<void> {
    const slot = this.slot(taskId);
    if (slot.task) await this.crash(taskId);
    const task = await Task.open({
      topology: this.topology,
      task: slot.id,
      partitions: this.partitions,
      storage: await this.disk(taskId),
      log: this.log.taskLog(this.groupOf(taskId)),
      logger: this.opts.logger ?? silentLogger,
      faults: (point) => this.maybeFail(slot, point),
      metrics: this.opts.metrics,
      clock: () => this.clock,
      cacheBytesPerStore: this.opts.cacheBytesPerStore,
      reportLines: this.opts.reportLines,
      restoreListener: this.opts.restoreListener,
      rebuildState: options.rebuildState,
    });
    await task.restore();
    let positions: Map<string, number>;
    try {
      positions = await task.startOffsets(options.resetOffsets);
    } catch (err) {
      await task.close();
      throw err;
    }
    slot.source = new InMemoryBatchSource(this.log, task.sources, positions);
    slot.task = task;
    await this.process();
  }

  async close(): Promise<void> {
    for (const id of this.slots.keys()) await this.crash(id);
  }

  private async drain(): Promise<void> {
    for (let progressed = true; progressed; ) {
      progressed = false;
      for (const slot of this.slots.values()) {
        if (slot.task && (await this.step(slot))) progressed = true;
      }
    }
  }

  /** One batch of one task (the same turn the Kafka runner takes). Returns whether it consumed anything. */
  private async step(slot: TaskSlot): Promise<boolean> {
    const task = slot.task!;
    let outcome;
    try {
      outcome = await runNextBatch(task, slot.source!, this.limits);
    } catch (err) {
      slot.task = undefined;
      await task.close();
      if (err instanceof SimulatedCrash) return true;
      throw err;
    }
    if (!outcome) return false;
    for (const line of outcome.reports) {
      this.reports.push(line);
      this.opts.onReport?.(line, slot.id.id);
    }
    if (this.opts.retain === 'unconsumed') this.releaseConsumed(task.sources);
    return true;
  }

  /** Releases records of these source partitions that every task reading them has committed past. */
  private releaseConsumed(tps: TopicPartition[]): void {
    for (const tp of tps) {
      const readers = this.topology.subTopologies.filter((s) => s.sources.some((src) => src.topic === tp.topic));
      let low = Infinity;
      for (const sub of readers) low = Math.min(low, this.log.committedOffset(this.groupOf(`${sub.name}-${tp.partition}`), tp) ?? 0);
      if (low > 0 && low < Infinity) this.log.releaseBelow(tp, low);
    }
  }

  private groupOf(taskId: string): string {
    return `${this.topology.applicationId}-${taskId}`;
  }

  private maybeFail(slot: TaskSlot, point: FaultPoint): void {
    if (slot.fault?.point === point) {
      slot.fault = undefined;
      throw new SimulatedCrash(slot.id.id, point);
    }
  }

  private slot(taskId: string): TaskSlot {
    const slot = this.slots.get(taskId);
    if (!slot) throw new StreamsError(`unknown task '${taskId}' (have: ${this.taskIds.join(' ')})`, { code: 'UNKNOWN_TASK' });
    return slot;
  }

  private stateDirOf(taskId: string): string {
    return join(this.opts.stateDir!, this.topology.applicationId, taskId);
  }

  private async disk(taskId: string): Promise<KeyValueStore> {
    if (this.opts.stateDir) return RocksDbKeyValueStore.open(this.stateDirOf(taskId));
    const disk = this.disks.get(taskId) ?? new InMemoryKeyValueStore();
    this.disks.set(taskId, disk);
    return disk.reopen();
  }
}

export class TestInputTopic<K, V> {
  constructor(
    private readonly driver: TopologyTestDriver,
    readonly topic: string,
    private readonly serdes: { key: Serde<K>; value: Serde<V> },
  ) {}

  /** Serializes, partitions by murmur2 of the key, appends, and lets every task process it. */
  async pipe(key: K | null, value: V | null, timestamp?: number): Promise<LogRecord> {
    return this.driver.pipeRaw(this.topic, this.key(key), this.value(value), timestamp);
  }

  /**
   * Appends every record first, then lets the tasks process (Kafka Streams' `pipeKeyValueList`): records that
   * arrive together travel in one batch, as a burst does on a broker.
   */
  async pipeAll(records: Array<[K | null, V | null]>, timestamp = this.driver.now): Promise<LogRecord[]> {
    const partitions = this.driver.log.partitionCount(this.topic);
    const stored = records.map(([key, value]) => {
      const k = this.key(key);
      return this.driver.log.append({ topic: this.topic, partition: k === null ? 0 : partitionForKey(k, partitions), key: k, value: this.value(value), timestamp, headers: {} });
    });
    await this.driver.process();
    return stored;
  }

  private key(key: K | null): Buffer | null {
    return key === null ? null : this.serdes.key.serialize(key, this.topic);
  }

  private value(value: V | null): Buffer | null {
    return value === null ? null : this.serdes.value.serialize(value, this.topic);
  }
}

export class TestOutputTopic<K, V> {
  /** Next offset to hand out per partition (`readNew`). */
  private readonly cursor = new Map<number, number>();

  constructor(
    private readonly log: InMemoryLog,
    readonly topic: string,
    private readonly serdes: { key: Serde<K>; value: Serde<V> },
  ) {}

  /** Every committed record, all partitions, decoded (partition by partition, in offset order). */
  readAll(): Array<OutputRecord<K, V>> {
    return this.log.records(this.topic).map((r) => this.decode(r));
  }

  /** Records committed since the last call (like consuming); only those are decoded. */
  readNew(): Array<OutputRecord<K, V>> {
    const fresh: Array<OutputRecord<K, V>> = [];
    for (let partition = 0; partition < this.log.partitionCount(this.topic); partition++) {
      const records = this.log.read({ topic: this.topic, partition }, this.cursor.get(partition) ?? 0);
      for (const r of records) fresh.push(this.decode(r));
      if (records.length > 0) this.cursor.set(partition, records[records.length - 1].offset + 1);
    }
    return fresh;
  }

  readKeyValues(): Array<{ key: K; value: V }> {
    return this.readAll().map(({ key, value }) => ({ key, value }));
  }

  /** The last value of each key: the table this topic describes. */
  readLatest(): Map<K, V> {
    return new Map(this.readAll().map((r) => [r.key, r.value] as const));
  }

  get size(): number {
    return this.log.records(this.topic).length;
  }

  private decode(r: LogRecord): OutputRecord<K, V> {
    return {
      key: (r.key === null ? null : this.serdes.key.deserialize(r.key, this.topic)) as K,
      value: (r.value === null ? null : this.serdes.value.deserialize(r.value, this.topic)) as V,
      partition: r.partition,
      offset: r.offset,
      timestamp: r.timestamp,
      headers: r.headers,
    };
  }
}
