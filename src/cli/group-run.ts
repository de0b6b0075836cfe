import { randomUUID } from 'node:crypto';
import { createKafka } from '../kafka/kafka-connection';
import { KafkaStandbyTask } from '../kafka/kafka-standby-task';
import { TaskFencedError } from '../kafka/kafka-task-log';
import { TaskGroupMember } from '../kafka/task-group-member';
import { InstanceReport, TaskAssignment } from '../runtime/task-assignor';
import { localStatePosition } from '../state/local-state-position';
import { taskStateDir } from '../state/open-task-storage';
import { RunOptions, TaskSupervisor, describe } from './run-command';

export interface GroupRunOptions extends Omit<RunOptions, 'taskIds' | 'commitGroupId'> {
  /** Warm copies of each task kept on other instances (`--standbys`). */
  standbys: number;
  /** This process's name in the group's assignments; random by default (a restarted process is a new instance). */
  instanceId?: string;
}

interface ActiveTask {
  supervisor: TaskSupervisor;
  done: Promise<void>;
}

/**
 * `topology run` without `--task`/`--all`: this process joins the application's consumer group and runs the tasks the
 * group gives it. At each rebalance it stops what it lost (each task commits or aborts its batch, checkpoints and
 * closes its store), then starts what it got: an active task fences the previous owner by its transactional id and
 * restores from its checkpoint and the changelog tail; a standby follows the changelogs. Offsets are committed into
 * the application's group, so they live while it has members and standard tools show the application's lag.
 */
export class GroupSupervisor {
  readonly instanceId: string;
  private readonly active = new Map<string, ActiveTask>();
  private readonly standby = new Map<string, KafkaStandbyTask>();
  /** Positions of task states on this instance's disk that it does not run now (its claim to warm state). */
  private readonly positions = new Map<string, number>();
  private member?: TaskGroupMember;
  private stopping = false;
  private fatal!: (err: unknown) => void;
  private readonly failed = new Promise<never>((_, reject) => (this.fatal = reject));
  private stopped!: () => void;
  private readonly done = new Promise<void>((resolve) => (this.stopped = resolve));

  constructor(private readonly opts: GroupRunOptions) {
    this.instanceId = opts.instanceId ?? `${opts.topology.applicationId}-${randomUUID().slice(0, 8)}`;
    this.failed.catch(() => undefined);
  }

  /** Runs until `stop()` (resolves) or a fatal error of a task or of the membership (rejects, after stopping all). */
  async run(): Promise<void> {
    const { topology, partitions } = this.opts;
    for (const t of topology.tasks(partitions)) {
      const position = await localStatePosition(taskStateDir(this.opts.stateDir, topology.applicationId, t.id));
      if (position !== undefined) this.positions.set(t.id, position);
    }
    this.member = new TaskGroupMember({
      kafka: createKafka(this.opts.brokers, `${topology.applicationId}-member`, this.opts.logger),
      topology,
      partitions,
      standbys: this.opts.standbys,
      report: () => this.report(),
      onAssignment: (assignment) => this.apply(assignment),
      onFailure: (err) => this.fatal(err),
      logger: this.opts.logger,
    });
    this.opts.logger.info({ instance: this.instanceId, standbys: this.opts.standbys }, `instance ${this.instanceId} joining group ${topology.applicationId}`);
    try {
      await this.member.start();
      await Promise.race([this.done, this.failed]);
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  /** What this instance tells the group's assignor when it joins. */
  report(): InstanceReport {
    const taskOffsets: Record<string, number> = Object.fromEntries(this.positions);
    for (const [id, task] of this.active) {
      const position = task.supervisor.statePosition(id);
      if (position !== undefined) taskOffsets[id] = position;
    }
    for (const [id, task] of this.standby) {
      const position = task.statePosition;
      if (position !== undefined) taskOffsets[id] = position;
    }
    return { instanceId: this.instanceId, previousActive: [...this.active.keys()], previousStandby: [...this.standby.keys()], taskOffsets };
  }

  /** Tasks this instance runs now (for tests and metrics). */
  get assignment(): TaskAssignment {
    return { active: [...this.active.keys()], standby: [...this.standby.keys()] };
  }

  private async apply(next: TaskAssignment): Promise<void> {
    if (this.stopping) return;
    const lostActive = [...this.active.keys()].filter((id) => !next.active.includes(id));
    const lostStandby = [...this.standby.keys()].filter((id) => !next.standby.includes(id) || next.active.includes(id));
    const gotActive = next.active.filter((id) => !this.active.has(id));
    const gotStandby = next.standby.filter((id) => !this.standby.has(id) && !next.active.includes(id));
    if (lostActive.length + lostStandby.length + gotActive.length + gotStandby.length > 0) {
      this.opts.logger.info({ instance: this.instanceId, got: gotActive, lost: lostActive, gotStandby, lostStandby }, `instance ${this.instanceId}: got ${gotActive.join(' ') || 'nothing'}, lost ${lostActive.join(' ') || 'nothing'}`);
    }
    this.opts.metrics?.rebalanced(gotActive.length, lostActive.length);
    // What was lost stops first (its batch commits or aborts, its store closes), so its directory is free again.
    await Promise.all([...lostActive.map((id) => this.stopActive(id)), ...lostStandby.map((id) => this.stopStandby(id))]);
    for (const id of gotStandby) await this.startStandby(id);
    for (const id of gotActive) this.startActive(id);
  }

  private startActive(id: string): void {
    this.positions.delete(id);
    const supervisor = new TaskSupervisor({ ...this.opts, taskIds: [id], commitGroupId: this.opts.topology.applicationId });
    const done = supervisor.run().catch((err) => {
      if (this.stopping) return;
      if (err instanceof TaskFencedError) {
        // Another instance runs it now (the group moved it while this one still had it): the next rebalance says who.
        this.opts.logger.warn({ task: id, err: describe(err) }, `task ${id} was taken over by another instance`);
        this.active.delete(id);
        return;
      }
      this.fatal(err);
    });
    this.active.set(id, { supervisor, done });
  }

  private async stopActive(id: string): Promise<void> {
    const task = this.active.get(id);
    if (!task) return;
    const position = task.supervisor.statePosition(id);
    await task.supervisor.stop();
    await task.done;
    this.active.delete(id);
    if (position !== undefined) this.positions.set(id, position);
  }

  private async startStandby(id: string): Promise<void> {
    const standby = new KafkaStandbyTask({ topology: this.opts.topology, taskId: id, brokers: this.opts.brokers, stateDir: this.opts.stateDir, partitions: this.opts.partitions, logger: this.opts.logger });
    this.standby.set(id, standby);
    try {
      await standby.start();
    } catch (err) {
      // A standby is an optimisation: without it the task still restores from the changelog when it moves here.
      this.opts.logger.warn({ task: id, err: describe(err) }, `standby ${id} could not start`);
      this.standby.delete(id);
      await standby.stop();
    }
  }

  private async stopStandby(id: string): Promise<void> {
    const standby = this.standby.get(id);
    if (!standby) return;
    const position = standby.statePosition;
    await standby.stop();
    this.standby.delete(id);
    if (position !== undefined) this.positions.set(id, position);
  }

  /** Stops every task cleanly, then leaves the group (the others then take the tasks over). */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    await Promise.all([...[...this.active.keys()].map((id) => this.stopActive(id)), ...[...this.standby.keys()].map((id) => this.stopStandby(id))]);
    await this.member?.stop();
    this.stopped();
  }

  /** Standby lag per task (records still to read), for metrics. */
  standbyLag(): Map<string, number> {
    return new Map([...this.standby].map(([id, s]) => [id, s.totalLag]));
  }
}
