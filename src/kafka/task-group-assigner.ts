import { AssignerProtocol, PartitionAssigner } from './kafkajs';
import { Topology } from '../dsl/topology';
import { Logger, silentLogger } from '../core/logger';
import { InstanceReport, TaskAssignment, assignTasks, decodeInstanceReport, encodeInstanceReport, encodeTaskAssignment } from '../runtime/task-assignor';

export const TASK_ASSIGNOR_NAME = 'TopologyTasks';

export interface TaskGroupAssignerOptions {
  topology: Topology;
  partitions: number;
  /** Warm copies per task on other instances (`--standbys`). */
  standbys: number;
  /** This instance's report, read at each join (what it runs, how warm its local state is). */
  report: () => InstanceReport;
  logger?: Logger;
}

/** The source partitions of a task: partition p of every source topic of its sub-topology. */
export function sourcePartitionsOf(topology: Topology, taskId: string, partitions: number): Array<{ topic: string; partition: number }> {
  const task = topology.task(taskId, partitions);
  return topology.subTopology(task.subTopology).sources.map((s) => ({ topic: s.topic, partition: task.partition }));
}

/**
 * The application group's assignor: whole tasks, not partitions. Each member's join metadata carries its
 * `InstanceReport`; the leader runs `assignTasks` (balanced, sticky, warm-state first, standbys apart from their
 * active) and hands each member the source partitions of its active tasks, with the full task assignment (actives
 * and standbys) as the assignment's user data. The partitions are what standard tools show as the member's share.
 */
export function taskGroupAssigner(opts: TaskGroupAssignerOptions): PartitionAssigner {
  const logger = opts.logger ?? silentLogger;
  return () => ({
    name: TASK_ASSIGNOR_NAME,
    version: 1,
    async assign({ members }) {
      const reports = members.map((m): { memberId: string; report: InstanceReport } => {
        try {
          const { userData } = AssignerProtocol.MemberMetadata.decode(m.memberMetadata)!;
          return { memberId: m.memberId, report: decodeInstanceReport(userData) };
        } catch (err) {
          // A member that reports nothing useful still gets work; it just has no claim to stickiness or warm state.
          logger.warn({ member: m.memberId, err: String(err) }, 'a member joined without a readable instance report');
          return { memberId: m.memberId, report: { instanceId: m.memberId, previousActive: [], previousStandby: [], taskOffsets: {} } };
        }
      });
      const tasks = opts.topology.tasks(opts.partitions).map((t) => t.id);
      const result = assignTasks({ tasks, instances: reports.map((r) => r.report), standbys: opts.standbys });
      return reports.map(({ memberId, report }) => {
        const assigned: TaskAssignment = result.get(report.instanceId) ?? { active: [], standby: [] };
        const assignment: Record<string, number[]> = {};
        for (const taskId of assigned.active) {
          for (const tp of sourcePartitionsOf(opts.topology, taskId, opts.partitions)) (assignment[tp.topic] ??= []).push(tp.partition);
        }
        return { memberId, memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: 1, assignment, userData: encodeTaskAssignment(assigned) }) };
      });
    },
    protocol({ topics }) {
      return { name: TASK_ASSIGNOR_NAME, metadata: AssignerProtocol.MemberMetadata.encode({ version: 1, topics, userData: encodeInstanceReport(opts.report()) }) };
    },
  });
}
