import { AssignerProtocol, Consumer, Kafka } from './kafkajs';
import { Topology } from '../dsl/topology';
import { Logger, silentLogger } from '../core/logger';
import { InstanceReport, TaskAssignment, decodeTaskAssignment } from '../runtime/task-assignor';
import { taskGroupAssigner } from './task-group-assigner';

export interface TaskGroupMemberOptions {
  kafka: Kafka;
  topology: Topology;
  partitions: number;
  standbys: number;
  report: () => InstanceReport;
  /** Called with this instance's tasks after every rebalance, one call at a time, in order. */
  onAssignment: (assignment: TaskAssignment, generation: number) => Promise<void>;
  /** The member's consumer failed for good (the process should stop). */
  onFailure: (err: unknown) => void;
  logger?: Logger;
  sessionTimeoutMs?: number;
}

/** The tasks whose source partitions a member holds: task `<sub>-<p>` when it has partition p of the sub's first source. */
export function activeTasksOf(topology: Topology, partitions: Record<string, number[]>): string[] {
  return topology.subTopologies.flatMap((sub) => (partitions[sub.sources[0].topic] ?? []).map((p) => `${sub.name}-${p}`));
}

/**
 * This instance's membership in the application's consumer group (group id = application id): the group protocol
 * decides which instance runs which task, and Kafka's coordinator notices a dead instance within the session timeout.
 *
 * The member subscribes to every source topic (so its share shows in standard tools) but fetches nothing: it pauses
 * them at once, and each task fetches its own partitions through its own consumer, as in static mode. After each
 * rebalance it reads its task assignment (the assignment's user data, through DescribeGroup, since kafkajs keeps only
 * the partitions) and hands it to `onAssignment`.
 */
export class TaskGroupMember {
  private consumer?: Consumer;
  private readonly logger: Logger;
  private queue = Promise.resolve();
  private stopped = false;

  constructor(private readonly opts: TaskGroupMemberOptions) {
    this.logger = opts.logger ?? silentLogger;
  }

  async start(): Promise<void> {
    const { topology, kafka } = this.opts;
    const topics = [...new Set(topology.subTopologies.flatMap((s) => s.sources.map((src) => src.topic)))];
    const consumer = kafka.consumer({
      groupId: topology.applicationId,
      partitionAssigners: [taskGroupAssigner({ topology, partitions: this.opts.partitions, standbys: this.opts.standbys, report: this.opts.report, logger: this.logger })],
      sessionTimeout: this.opts.sessionTimeoutMs ?? 10_000,
      heartbeatInterval: 1_000,
      rebalanceTimeout: 60_000,
      retry: { retries: 8, restartOnFailure: async () => false },
    });
    this.consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: true });
    consumer.on(consumer.events.CRASH, (e) => {
      if (!this.stopped) this.opts.onFailure(e.payload.error);
    });
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      // Never fetch: a rebalance must not resume the member's partitions (the tasks read them).
      consumer.pause(topics.map((topic) => ({ topic })));
      const { memberId, groupId, memberAssignment } = e.payload;
      const generation = (e.payload as { generationId?: number }).generationId ?? 0;
      // One rebalance handled at a time, in order: a later assignment waits for the tasks of the earlier one to settle.
      this.queue = this.queue.then(() => this.assigned(groupId, memberId, generation, memberAssignment)).catch((err) => this.opts.onFailure(err));
    });
    await consumer.run({ autoCommit: false, eachBatch: async () => undefined });
    // The member only holds the tasks' partitions; the tasks fetch them.
    consumer.pause(topics.map((topic) => ({ topic })));
  }

  /** Reads this member's task assignment from the group (the assignment's user data) and hands it on. */
  private async assigned(groupId: string, memberId: string, generation: number, partitions: Record<string, number[]>): Promise<void> {
    if (this.stopped) return;
    // The active tasks follow from the partitions this generation gave us; the standbys only from the user data.
    const active = activeTasksOf(this.opts.topology, partitions);
    let assignment: TaskAssignment = { active, standby: [] };
    try {
      const group = await this.consumer!.describeGroup();
      const me = group.members.find((m) => m.memberId === memberId);
      const decoded = me && me.memberAssignment.length > 0 ? AssignerProtocol.MemberAssignment.decode(me.memberAssignment) : null;
      const full = decoded && decoded.userData.length > 0 ? decodeTaskAssignment(decoded.userData) : undefined;
      // A group already rebalancing again may describe another generation: then only the partitions are trusted.
      if (full && [...full.active].sort().join() === [...active].sort().join()) assignment = full;
    } catch (err) {
      this.logger.warn({ err: String(err) }, 'could not read this instance\'s standby tasks from the group; running the active ones only until the next rebalance');
    }
    this.logger.info({ group: groupId, member: memberId, generation, active: assignment.active, standby: assignment.standby }, `rebalance: this instance runs ${assignment.active.join(' ') || 'no task'}${assignment.standby.length ? `, standby for ${assignment.standby.join(' ')}` : ''}`);
    await this.opts.onAssignment(assignment, generation);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.queue.catch(() => undefined);
    await this.consumer?.disconnect().catch(() => undefined);
  }
}
