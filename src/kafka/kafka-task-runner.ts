import { randomUUID } from 'node:crypto';
import { Admin, Consumer, Kafka, Producer, explicitPartitioner } from './kafkajs';
import { Subscription } from 'rxjs';
import { Topology } from '../dsl/topology';
import { Logger, childLogger, silentLogger } from '../core/logger';
import { OffsetReset, Task } from '../runtime/task';
import { DEFAULT_BATCH_LIMITS, BatchLimits, taskLoop } from '../runtime/task-loop';
import { StreamsMetrics } from '../runtime/metrics';
import { openTaskStorage, taskStateDir } from '../state/open-task-storage';
import { KeyValueStore } from '../state/key-value-store';
import { StateRestoreListener } from '../state/restore-listener';
import { createKafka } from './kafka-connection';
import { KafkaBatchSource } from './kafka-batch-source';
import { KafkaTaskLog } from './kafka-task-log';
import { taskPartitionAssigner } from './task-assigner';
import { requireTopics } from './topic-admin';
import { SchemaRegistryOption, resolveSchemaRegistry, useSchemaRegistry } from './schema-registry-setup';

export interface KafkaTaskRunnerOptions {
  topology: Topology;
  taskId: string;
  brokers: string[];
  stateDir: string;
  /** The run's default partition count (must match the cluster's topics). */
  partitions?: number;
  logger?: Logger;
  onReport?: (line: string, taskId: string) => void;
  /** Most records per transaction (a task that fell behind fills batches up to this). */
  maxBatchSize?: number;
  /** Most key + value bytes per transaction. */
  maxBatchBytes?: number;
  /** How long an idle task waits for a first record; bounds the commit interval (Kafka Streams: 100 ms under EOS). */
  commitIntervalMs?: number;
  /** What to do when the task's committed offsets are missing or behind its checkpoint (default: refuse to start). */
  resetOffsets?: OffsetReset;
  /** Wipe and rebuild a store whose changelog lost what the local state holds, instead of refusing to start. */
  rebuildState?: boolean;
  /**
   * Where the task's offsets are committed: its own group `<app>-<task>` by default (static mode), the application's
   * group when tasks are group-managed (see `KafkaTaskLogOptions.commitGroupId`).
   */
  commitGroupId?: string;
  /**
   * The transactional producer's `transaction.timeout.ms` (default 60 s): how long a task may stall (GC, SIGSTOP, a
   * slow disk) mid-transaction before the broker aborts it; the task then restarts from its last commit.
   */
  transactionTimeoutMs?: number;
  /**
   * Delete the records of internal topics (ones the topology both writes and reads, kept with retention.ms=-1) that
   * this task has committed past, at most every `purgeIntervalMs` (Kafka Streams does so for repartition topics). Off
   * by default: the wallet's internal topic is its ledger of legs.
   */
  purgeInternalTopics?: boolean;
  purgeIntervalMs?: number;
  /** Re-commit an idle task's offsets this often (default 1 h). */
  offsetsKeepAliveMs?: number;
  /** Print the topology's report lines (`to(..., { report })`); on by default. */
  reportLines?: boolean;
  metrics?: StreamsMetrics;
  /** Told of each store restore's start, batches and end (as Kafka Streams' `StateRestoreListener`). */
  restoreListener?: StateRestoreListener;
  /**
   * A schema registry (URL or client): the task's Avro serdes look up their schema ids at start and write the
   * Confluent wire format. Without one they write Avro single-object encoding.
   */
  schemaRegistry?: SchemaRegistryOption;
}

/**
 * Runs one task against Kafka: fence older instances (transactional id `<app>-<task>`), restore the stores from
 * checkpoint + changelog, then consume the task's partition through its own group and commit each batch in one
 * transaction. The processing itself is the shared Task code; only the log transport is Kafka.
 */
export class KafkaTaskRunner {
  private kafka?: Kafka;
  private admin?: Admin;
  private producer?: Producer;
  private consumer?: Consumer;
  private source?: KafkaBatchSource;
  private log?: KafkaTaskLog;
  private loop?: Subscription;
  private loopDone?: Promise<void>;
  private task?: Task;
  /** Held from opening until the Task owns it (so a failed start still releases the RocksDB lock). */
  private storage?: KeyValueStore;
  private instanceGroup?: string;
  private stopping = false;
  private purging = false;
  private lastPurge = 0;
  private readonly purged = new Map<string, number>();
  private settle!: { resolve: () => void; reject: (e: unknown) => void };
  /** Settles when the runner stops: resolves on a clean stop, rejects with the error that stopped it. */
  readonly finished: Promise<void>;
  readonly logger: Logger;
  processed = 0;

  constructor(private readonly opts: KafkaTaskRunnerOptions) {
    this.logger = childLogger(opts.logger ?? silentLogger, { task: opts.taskId });
    this.finished = new Promise((resolve, reject) => (this.settle = { resolve, reject }));
    this.finished.catch(() => undefined); // observed by the caller; avoid an unhandled rejection meanwhile
  }

  /** How far this task's local state has read its changelogs, once it is open (for the group's assignor). */
  get statePosition(): number | undefined {
    return this.task?.statePosition;
  }

  get groupId(): string {
    return `${this.opts.topology.applicationId}-${this.opts.taskId}`;
  }

  async start(): Promise<void> {
    const { topology, taskId } = this.opts;
    const partitions = this.opts.partitions ?? topology.defaultPartitions;
    const id = topology.task(taskId, partitions);
    try {
      this.kafka = createKafka(this.opts.brokers, this.groupId, this.logger);
      this.admin = this.kafka.admin();
      await this.admin.connect();
      await requireTopics(this.admin, topology.topics(partitions));
      // Schema ids are looked up once, here, so that encoding stays synchronous on the hot path.
      const registry = resolveSchemaRegistry(this.opts.schemaRegistry);
      if (registry) await useSchemaRegistry(topology, registry, [id.subTopology]);
      // Registering the transactional id first (log.fence) fences any older instance and aborts its open transaction,
      // so changelogs and committed offsets are final (nothing pending, no other writer) before we read them.
      this.producer = this.kafka.producer({ transactionalId: this.groupId, idempotent: true, maxInFlightRequests: 1, transactionTimeout: this.opts.transactionTimeoutMs ?? 60_000, createPartitioner: explicitPartitioner });
      await this.producer.connect();
      const log = new KafkaTaskLog({ kafka: this.kafka, taskId, groupId: this.groupId, commitGroupId: this.opts.commitGroupId, producer: this.producer, admin: this.admin, logger: this.logger });
      this.log = log;
      // The state directory first: an instance on the same directory must not fence a live one it cannot replace.
      const dir = taskStateDir(this.opts.stateDir, topology.applicationId, taskId);
      const storage = await openTaskStorage(dir, taskId, 30_000, this.logger);
      this.storage = storage;
      await log.fence();
      this.task = await Task.open({ topology, task: id, partitions, storage, log, logger: this.logger, metrics: this.opts.metrics, reportLines: this.opts.reportLines, offsetsKeepAliveMs: this.opts.offsetsKeepAliveMs, rebuildState: this.opts.rebuildState, restoreListener: this.restoreListener() });
      const { restored } = await this.task.restore();
      this.logger.info({ restored, dir }, `task ${taskId} restored (${restored} changelog records replayed)`);
      await this.consume();
    } catch (err) {
      await this.shutdown(err);
      throw err;
    }
  }

  /**
   * Deletes what this task has committed past on its internal source topics (`deleteRecords` up to the committed
   * offset): those records are consumed for good, and their topic keeps everything else forever. At most every
   * `purgeIntervalMs` (30 s); a failure is only logged (the next purge covers it).
   */
  private async purgeCommitted(): Promise<void> {
    const now = Date.now();
    if (this.purging || now - this.lastPurge < (this.opts.purgeIntervalMs ?? 30_000)) return;
    this.purging = true;
    this.lastPurge = now;
    try {
      const internal = new Set(this.opts.topology.topics(this.opts.partitions ?? this.opts.topology.defaultPartitions).filter((t) => t.retentionMs === -1).map((t) => t.name));
      const committed = this.task!.committedSourceOffsets;
      for (const tp of this.task!.sources) {
        const offset = committed[`${tp.topic}-${tp.partition}`];
        if (!internal.has(tp.topic) || offset === undefined || offset <= (this.purged.get(tp.topic) ?? 0)) continue;
        await this.admin!.deleteTopicRecords({ topic: tp.topic, partitions: [{ partition: tp.partition, offset: String(offset) }] });
        this.purged.set(tp.topic, offset);
        this.logger.debug({ topic: tp.topic, partition: tp.partition, before: offset }, 'purged committed records of an internal topic');
      }
    } catch (err) {
      this.logger.warn({ err: String(err) }, 'purging committed records of an internal topic failed; the next purge retries');
    } finally {
      this.purging = false;
    }
  }

  /** The caller's restore listener, plus the `streams_restore_remaining_records` gauge. */
  private restoreListener(): StateRestoreListener | undefined {
    const outer = this.opts.restoreListener;
    const gauge = this.opts.metrics?.restoreRemaining;
    if (!gauge) return outer;
    const task = this.opts.taskId;
    const ends = new Map<string, number>();
    return {
      onRestoreStart: (tp, store, from, end) => {
        ends.set(store, end);
        gauge.set({ task, store }, end - from);
        outer?.onRestoreStart?.(tp, store, from, end);
      },
      onBatchRestored: (tp, store, lastOffset, count) => {
        gauge.set({ task, store }, Math.max(0, (ends.get(store) ?? 0) - (lastOffset + 1)));
        outer?.onBatchRestored?.(tp, store, lastOffset, count);
      },
      onRestoreEnd: (tp, store, total) => {
        gauge.set({ task, store }, 0);
        outer?.onRestoreEnd?.(tp, store, total);
      },
    };
  }

  /** Stops fetching, lets the batch in flight commit (or abort), and releases everything. */
  async stop(): Promise<void> {
    await this.shutdown(undefined);
  }

  /**
   * Fetches the task's partitions through a group of this instance alone (`<app>-<task>-instance-<id>`), starting
   * where the task's group `<app>-<task>` committed (transactions commit there, so `kafka-consumer-groups --describe
   * --group <app>-<task>` shows the task's lag). A group per instance means a restarted task never waits for a
   * killed predecessor's session to expire; exclusivity comes from the transactional id, not from the group.
   *
   * kafkajs pushes fetched batches into a bounded buffer (`KafkaBatchSource`); the task loop (the same fetch →
   * process → commit turn the in-memory driver takes) pulls from it, one transaction per turn.
   */
  private async consume(): Promise<void> {
    if (this.stopping) return;
    const task = this.task!;
    const limits: BatchLimits = {
      maxRecords: this.opts.maxBatchSize ?? DEFAULT_BATCH_LIMITS.maxRecords,
      maxBytes: this.opts.maxBatchBytes ?? DEFAULT_BATCH_LIMITS.maxBytes,
      maxWaitMs: this.opts.commitIntervalMs ?? DEFAULT_BATCH_LIMITS.maxWaitMs,
    };
    // One batch buffered while the previous one commits: enough to keep the task busy, bounded in memory.
    const source = new KafkaBatchSource(await task.startOffsets(this.opts.resetOffsets), limits.maxRecords);
    this.source = source;
    this.instanceGroup = `${this.groupId}-instance-${randomUUID().slice(0, 8)}`;
    this.log!.instanceGroup = this.instanceGroup;
    this.consumer = this.kafka!.consumer({
      groupId: this.instanceGroup,
      partitionAssigners: [taskPartitionAssigner(task.context.partition)],
      readUncommitted: false,
      maxWaitTimeInMs: limits.maxWaitMs,
      // A fetch brings at most about one batch per partition (kafkajs' default total is 10 MB per fetch).
      maxBytesPerPartition: limits.maxBytes,
      maxBytes: 2 * limits.maxBytes,
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
      // kafkajs would restart a crashed consumer by itself, racing our shutdown (and leaking a group member):
      // the supervisor restarts whole tasks instead.
      retry: { retries: 8, restartOnFailure: async () => false },
    });
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: task.sources.map((s) => s.topic), fromBeginning: true });
    this.consumer.on(this.consumer.events.CRASH, (e) => {
      if (!this.stopping) void this.shutdown(e.payload.error);
    });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: true,
      eachBatch: async ({ batch, heartbeat }) => {
        if (batch.partition !== task.context.partition || this.stopping) return;
        if (batch.messages.length > 0) this.opts.metrics?.consumerLag.set({ task: this.opts.taskId, topic: batch.topic }, Math.max(0, Number(batch.highWatermark) - Number(batch.lastOffset()) - 1));
        await source.push(batch.topic, batch.partition, batch.messages, heartbeat);
      },
    });
    const seekToPositions = () => {
      for (const [topic, offset] of source.positions) this.consumer?.seek({ topic, partition: task.context.partition, offset: String(offset) });
    };
    seekToPositions();
    // The instance's group commits no offsets: after a rebalance (a stall past the session timeout) kafkajs would
    // fetch from the beginning again. Resume where this instance is instead.
    // Seeking to where the source already is changes nothing, so every join (the first one included) may seek.
    this.consumer.on(this.consumer.events.GROUP_JOIN, () => {
      this.logger.debug({ positions: Object.fromEntries(source.positions) }, `task ${this.opts.taskId} joined its fetch group; fetching from its positions`);
      seekToPositions();
    });
    this.logger.info({ group: this.groupId, positions: Object.fromEntries(source.positions) }, `task ${this.opts.taskId} consuming`);
    this.loopDone = new Promise<void>((resolve) => {
      this.loop = taskLoop(task, source, limits).subscribe({
        next: (outcome) => {
          this.processed += outcome.processed;
          for (const line of outcome.reports) this.opts.onReport?.(line, this.opts.taskId);
          if (this.opts.purgeInternalTopics) void this.purgeCommitted();
        },
        // Nothing of the failed batch was committed; the task must stop (the supervisor restarts it whole).
        error: (err) => {
          resolve();
          void this.shutdown(err);
        },
        complete: () => resolve(),
      });
    });
  }

  private async shutdown(err: unknown): Promise<void> {
    if (this.stopping) return this.finished.catch(() => undefined);
    this.stopping = true;
    // The loop first: the batch in flight commits (or fails), then the closed source ends the loop.
    this.source?.close();
    await this.loopDone;
    await this.consumer?.disconnect().catch((e) => this.logger.warn({ err: String(e) }, 'consumer disconnect failed'));
    // The instance's group holds no offsets (they are committed to <app>-<task>); remove it rather than leave it listed.
    if (this.instanceGroup) await this.admin?.deleteGroups([this.instanceGroup]).catch(() => undefined);
    await this.producer?.disconnect().catch((e) => this.logger.warn({ err: String(e) }, 'producer disconnect failed'));
    await this.admin?.disconnect().catch(() => undefined);
    if (this.task) await this.task.close().catch((e) => this.logger.warn({ err: String(e) }, 'closing task state failed'));
    else await this.storage?.close().catch(() => undefined);
    if (err === undefined) this.settle.resolve();
    else this.settle.reject(err);
  }
}
