import { randomUUID } from 'node:crypto';
import { Admin, Consumer, Kafka } from './kafkajs';
import { Topology } from '../dsl/topology';
import { Logger, childLogger, silentLogger } from '../core/logger';
import { storeSpecsOf } from '../runtime/compile-sub-topology';
import { TaskState } from '../state/task-state';
import { changelogPosition } from '../state/checkpoint';
import { openTaskStorage, taskStateDir } from '../state/open-task-storage';
import { createKafka } from './kafka-connection';
import { fromKafkaMessage } from './kafka-records';
import { taskPartitionAssigner } from './task-assigner';

export interface KafkaStandbyTaskOptions {
  topology: Topology;
  taskId: string;
  brokers: string[];
  stateDir: string;
  partitions: number;
  logger?: Logger;
}

/**
 * A standby replica of a task (Kafka Streams' standby task): it follows the task's changelog partitions
 * (read_committed) into its own RocksDB and checkpoint, in the same state directory an active copy of the task would
 * use, and never produces. When this instance is later given the task as active, the task restores only the tail
 * written since. Promotion is a stop of the standby followed by a start of the active task on the same directory.
 */
export class KafkaStandbyTask {
  private kafka?: Kafka;
  private admin?: Admin;
  private consumer?: Consumer;
  private state?: TaskState;
  private group?: string;
  private stopping = false;
  private readonly logger: Logger;
  /** Records behind the changelogs' ends, per changelog topic, as of the last fetch. */
  readonly lag = new Map<string, number>();

  constructor(private readonly opts: KafkaStandbyTaskOptions) {
    this.logger = childLogger(opts.logger ?? silentLogger, { task: opts.taskId, standby: true });
  }

  get statePosition(): number | undefined {
    return this.state ? changelogPosition(this.state.checkpoint) : undefined;
  }

  /** Records the standby still has to read, summed over its changelogs. */
  get totalLag(): number {
    return [...this.lag.values()].reduce((sum, l) => sum + l, 0);
  }

  async start(): Promise<void> {
    const { topology, taskId, partitions } = this.opts;
    const task = topology.task(taskId, partitions);
    const sub = topology.subTopology(task.subTopology);
    const storage = await openTaskStorage(taskStateDir(this.opts.stateDir, topology.applicationId, taskId), taskId, 30_000, this.logger);
    this.state = await TaskState.open(storage, storeSpecsOf(sub), task.partition, taskId);
    const changelogs = this.state.changelogTopics;
    if (changelogs.length === 0) return; // a stateless task has nothing to keep warm
    this.kafka = createKafka(this.opts.brokers, `${topology.applicationId}-${taskId}-standby`, this.logger);
    this.admin = this.kafka.admin();
    await this.admin.connect();
    this.group = `${topology.applicationId}-${taskId}-standby-${randomUUID().slice(0, 8)}`;
    const consumer = this.kafka.consumer({
      groupId: this.group,
      partitionAssigners: [taskPartitionAssigner(task.partition)],
      readUncommitted: false,
      maxWaitTimeInMs: 500,
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
      retry: { retries: 8, restartOnFailure: async () => false },
    });
    this.consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({ topics: changelogs, fromBeginning: true });
    const state = this.state;
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        if (this.stopping || batch.partition !== task.partition) return;
        const from = state.changelogOffset(batch.topic);
        const records = batch.messages.filter((m) => Number(m.offset) >= from).map((m) => fromKafkaMessage(batch.topic, batch.partition, m));
        await state.applyChangelogRecords(batch.topic, records);
        this.lag.set(batch.topic, Math.max(0, Number(batch.highWatermark) - state.changelogOffset(batch.topic)));
      },
    });
    const seek = () => {
      for (const topic of changelogs) consumer.seek({ topic, partition: task.partition, offset: String(state.changelogOffset(topic)) });
    };
    seek();
    consumer.on(consumer.events.GROUP_JOIN, seek);
    this.logger.info({ changelogs, positions: state.checkpoint.changelog }, `standby ${taskId} following its changelogs`);
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    await this.consumer?.disconnect().catch(() => undefined);
    if (this.group) await this.admin?.deleteGroups([this.group]).catch(() => undefined);
    await this.admin?.disconnect().catch(() => undefined);
    await this.state?.close().catch(() => undefined);
  }
}
