import { randomUUID } from 'node:crypto';
import { Admin, Kafka, Producer } from './kafkajs';
import { StreamsError } from '../core/errors/streams-error';
import { Logger, silentLogger } from '../core/logger';
import { LogRecord, TopicPartition, tpKey } from '../core/records';
import { TaskLog, TransactionRequest, TransactionResult } from '../runtime/task-log';
import { isFenced, isRetriable } from './kafka-connection';
import { ProduceResult, fromKafkaMessage, recordPositions, toKafkaMessage } from './kafka-records';
import { taskPartitionAssigner } from './task-assigner';
import { backoff, sleep } from '../core/sleep';

export class TaskFencedError extends StreamsError {
  constructor(taskId: string, transactionalId: string, cause: unknown) {
    super(`task ${taskId} was fenced: a newer instance registered transactional id ${transactionalId}; this instance stops and will not write again`, { code: 'TASK_FENCED', cause });
  }
}

const describeErr = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Runs `op`, retrying transient broker refusals (CONCURRENT_TRANSACTIONS, coordinator moves) with backoff. */
async function retryTransient<T>(op: () => Promise<T>, attempts = 10): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await op();
    } catch (err) {
      if (isFenced(err) || !isRetriable(err) || attempt >= attempts) throw err;
      await sleep(backoff(attempt, 50, 2000));
    }
  }
}

export interface KafkaTaskLogOptions {
  kafka: Kafka;
  taskId: string;
  /** `<app>-<task>`: the task's consumer group and its transactional id. */
  groupId: string;
  producer: Producer;
  admin: Admin;
  logger?: Logger;
  /** This instance's own consumer group, once it consumes (see `fencedOrExpired`). */
  instanceGroup?: string;
  /**
   * The group the task's offsets are committed to (inside each transaction) and read from at start: `groupId` unless
   * the task runs group-managed, where it is the application's group (`wallet`), so the offsets live while the group
   * has members and `kafka-consumer-groups --describe --group wallet` shows the whole application's lag.
   */
  commitGroupId?: string;
}

/**
 * A task's view of Kafka: one transactional producer (its id fences older instances), offsets committed inside the
 * transaction (sendOffsets), and read_committed reads of its changelog partitions for restore.
 */
export class KafkaTaskLog implements TaskLog {
  private readonly logger: Logger;

  set instanceGroup(group: string) {
    this.opts.instanceGroup = group;
  }

  constructor(private readonly opts: KafkaTaskLogOptions) {
    this.logger = opts.logger ?? silentLogger;
  }

  async committedOffset(tp: TopicPartition): Promise<number | undefined> {
    const groups = await this.opts.admin.fetchOffsets({ groupId: this.opts.commitGroupId ?? this.opts.groupId, topics: [tp.topic] });
    const found = groups.flatMap((g) => g.partitions).find((p) => p.partition === tp.partition);
    const offset = found ? Number(found.offset) : -1;
    return offset >= 0 ? offset : undefined;
  }

  async logBounds(tp: TopicPartition): Promise<{ start: number; end: number }> {
    const offsets = await this.opts.admin.fetchTopicOffsets(tp.topic);
    const found = offsets.find((o) => o.partition === tp.partition);
    if (!found) throw new StreamsError(`topic ${tp.topic} has no partition ${tp.partition}`, { code: 'UNKNOWN_PARTITION' });
    return { start: Number(found.low), end: Number(found.high) };
  }

  async endOffset(tp: TopicPartition): Promise<number> {
    return (await this.logBounds(tp)).end;
  }

  /**
   * One attempt: begin (retried on transient refusals), send, offsets, commit. A failure after the first send is not
   * retried with this producer: kafkajs rolls its idempotent sequence numbers back on a failed produce, and a retry of
   * a batch the broker did append (then aborted) would be acknowledged as a duplicate and silently dropped. The
   * transaction is aborted and a retriable error tells the supervisor to restart the task, whose new producer gets a
   * new epoch and whose new batch is read back from the committed offsets.
   */
  async commitTransaction(tx: TransactionRequest): Promise<TransactionResult> {
    const transaction = await this.begin();
    let committing = false;
    try {
      const topics = [...new Set(tx.records.map((r) => r.topic))];
      const meta = tx.records.length
        ? await transaction.sendBatch({ acks: -1, topicMessages: topics.map((topic) => ({ topic, messages: tx.records.filter((r) => r.topic === topic).map(toKafkaMessage) })) })
        : [];
      if (tx.offsets.length > 0) {
        const byTopic = new Map<string, Array<{ partition: number; offset: string }>>();
        for (const o of tx.offsets) byTopic.set(o.topic, [...(byTopic.get(o.topic) ?? []), { partition: o.partition, offset: String(o.offset) }]);
        const offsets = { consumerGroupId: this.opts.commitGroupId ?? this.opts.groupId, topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })) };
        // kafkajs does not retry CONCURRENT_TRANSACTIONS on AddOffsetsToTxn (the previous commit is still completing).
        await retryTransient(() => transaction.sendOffsets(offsets));
      }
      committing = true;
      await transaction.commit();
      return positionsOf(this.opts.taskId, tx, meta);
    } catch (err) {
      if (isFenced(err)) throw await this.fencedOrExpired(err);
      // A failed commit leaves the outcome unknown; a restarted task reads the truth back from the log.
      if (committing) throw new StreamsError(`task ${this.opts.taskId}: transaction commit failed, outcome unknown: ${describeErr(err)}`, { code: 'TRANSACTION_STATE_UNKNOWN', retriable: true, cause: err });
      await transaction.abort().catch((abortErr) => {
        throw new StreamsError(`task ${this.opts.taskId}: abort after a failed send also failed: ${describeErr(abortErr)}`, { code: 'TRANSACTION_STATE_UNKNOWN', retriable: true, cause: err });
      });
      throw new StreamsError(`task ${this.opts.taskId}: transaction aborted: ${describeErr(err)}`, { code: 'TRANSACTION_ABORTED', retriable: isRetriable(err), cause: err });
    }
  }

  /**
   * Registers the transactional id with the coordinator now: that bumps the epoch (older instances can no longer
   * commit) and aborts whatever transaction an older instance left open. kafkajs' `producer.connect()` does not do
   * it (it only registers an idempotent producer id); the first `transaction()` does, so open and abort an empty one.
   */
  async fence(): Promise<void> {
    const transaction = await this.begin();
    await transaction.abort();
  }

  /** kafkajs can refuse a new transaction right after a commit (CONCURRENT_TRANSACTIONS, kafkajs #1315): back off. */
  private async begin() {
    try {
      return await retryTransient(() => this.opts.producer.transaction());
    } catch (err) {
      if (isFenced(err)) throw await this.fencedOrExpired(err);
      throw err;
    }
  }

  /**
   * A bumped producer epoch means one of two things. Another instance registered the task's transactional id (a real
   * fence: this instance must never write again), or this instance stalled (GC, SIGSTOP, a slow disk) past the
   * transaction timeout and the coordinator aborted its transaction and bumped the epoch itself. Every instance of
   * a task consumes through a group of its own (`<app>-<task>-instance-<id>`): if another such group has live members,
   * another instance runs the task; if none does, the transaction expired, and a restart of the task (which aborts
   * nothing of value: the batch was never committed) is the way on.
   */
  private async fencedOrExpired(err: unknown): Promise<StreamsError> {
    const others = await this.liveInstanceGroups().catch(() => undefined);
    if (others === undefined || others.length > 0) return new TaskFencedError(this.opts.taskId, this.opts.groupId, err);
    return new StreamsError(`task ${this.opts.taskId}: its transaction expired while the task stalled (no other instance runs it); restarting the task: ${describeErr(err)}`, { code: 'TRANSACTION_EXPIRED', retriable: true, cause: err });
  }

  /** Consumer groups of other instances of this task that have members now. */
  private async liveInstanceGroups(): Promise<string[]> {
    const prefix = `${this.opts.groupId}-instance-`;
    const { groups } = await this.opts.admin.listGroups();
    const candidates = groups.map((g) => g.groupId).filter((id) => id.startsWith(prefix) && id !== this.opts.instanceGroup);
    if (candidates.length === 0) return [];
    const described = await this.opts.admin.describeGroups(candidates);
    return described.groups.filter((g) => g.members.length > 0).map((g) => g.groupId);
  }

  /**
   * Reads a changelog partition from `from` to `to` with read_committed. The task has fenced older instances before
   * restoring, so no transaction is open on it and the high watermark is also the last stable offset. Aborted
   * records and markers are filtered by kafkajs, so progress is tracked by batch end offsets, not by records.
   */
  async read(tp: TopicPartition, from: number, to: number, onBatch: (records: LogRecord[]) => Promise<void>): Promise<void> {
    if (from >= to) return;
    // Its own group per restore: a killed restore must not hold up the next one for a session timeout.
    const groupId = `${this.opts.groupId}-restore-${randomUUID().slice(0, 8)}`;
    const consumer = this.opts.kafka.consumer({
      groupId,
      partitionAssigners: [taskPartitionAssigner(tp.partition)],
      readUncommitted: false,
      maxWaitTimeInMs: 200,
      retry: { retries: 8, restartOnFailure: async () => false },
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
    });
    let position = from;
    let settle!: { resolve: () => void; reject: (e: unknown) => void };
    const done = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
    const advance = (lastOffset: string) => {
      position = Math.max(position, Number(lastOffset) + 1);
      if (position >= to) settle.resolve();
    };
    // Fetching and writing overlap: a fetched batch is queued behind the write of the one before, and the consumer
    // fetches the next meanwhile (at most two batches wait). Progress moves in queue order, after each write.
    // After a failed write nothing later is written: a checkpoint must never pass a batch that is not on disk.
    let queue = Promise.resolve();
    let queued = 0;
    let failed = false;
    const enqueue = (step: () => Promise<void> | void) => {
      queued++;
      queue = queue
        .then(() => (failed ? undefined : step()))
        .catch((err) => {
          failed = true;
          settle.reject(err);
        })
        .finally(() => queued--);
    };
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [tp.topic], fromBeginning: true });
      consumer.on(consumer.events.END_BATCH_PROCESS, (e) => {
        if (e.payload.topic === tp.topic && e.payload.partition === tp.partition) enqueue(() => advance(e.payload.lastOffset));
      });
      consumer.on(consumer.events.CRASH, (e) => settle.reject(e.payload.error));
      await consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          if (batch.partition !== tp.partition) return;
          const records = batch.messages
            .filter((m) => Number(m.offset) >= from && Number(m.offset) < to)
            .map((m) => fromKafkaMessage(tp.topic, tp.partition, m));
          const last = batch.lastOffset();
          enqueue(async () => {
            if (records.length > 0) await onBatch(records);
            advance(last);
          });
          if (queued > 2) await queue;
        },
      });
      consumer.seek({ topic: tp.topic, partition: tp.partition, offset: String(from) });
      await done;
    } finally {
      await consumer.disconnect().catch(() => undefined);
      await this.opts.admin.deleteGroups([groupId]).catch(() => undefined); // empty now; don't leave it listed
    }
    this.logger.debug({ tp: tpKey(tp), from, to }, 'changelog read');
  }
}

/** Per-record offsets, and each written partition's end after the commit marker that follows its last record. */
function positionsOf(taskId: string, tx: TransactionRequest, meta: ProduceResult[]): TransactionResult {
  const positions = recordPositions(tx.records, meta, `task ${taskId}`);
  // The last record of each partition decides its end (per topic, per partition: no string key per record).
  const ends = new Map<string, number[]>();
  tx.records.forEach((r, i) => {
    const perPartition = ends.get(r.topic) ?? [];
    perPartition[r.partition] = positions[i].offset + 2;
    ends.set(r.topic, perPartition);
  });
  const endOffsets: Record<string, number> = {};
  for (const [topic, perPartition] of ends) perPartition.forEach((end, partition) => (endOffsets[`${topic}-${partition}`] = end));
  return { positions, endOffsets };
}
