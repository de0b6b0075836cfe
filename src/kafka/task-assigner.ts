import { AssignerProtocol, PartitionAssigner } from './kafkajs';

/**
 * kafkajs has no manual `assign()`: a task instance fetches through a group of its own, and this assigner hands
 * every member exactly the task's partition of each subscribed topic.
 */
export function taskPartitionAssigner(partition: number): PartitionAssigner {
  return () => ({
    name: `TaskPartition${partition}`,
    version: 1,
    async assign({ members, topics }) {
      const assignment = Object.fromEntries(topics.map((t) => [t, [partition]]));
      return members.map((m) => ({
        memberId: m.memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: 1, assignment, userData: Buffer.alloc(0) }),
      }));
    },
    protocol({ topics }) {
      return { name: `TaskPartition${partition}`, metadata: AssignerProtocol.MemberMetadata.encode({ version: 1, topics, userData: Buffer.alloc(0) }) };
    },
  });
}

/** Every partition of every subscribed topic to every member: for local views that must see a whole topic. */
export function allPartitionsAssigner(): PartitionAssigner {
  return ({ cluster }) => ({
    name: 'AllPartitions',
    version: 1,
    async assign({ members, topics }) {
      const assignment = Object.fromEntries(topics.map((t) => [t, cluster.findTopicPartitionMetadata(t).map((p) => p.partitionId)]));
      return members.map((m) => ({
        memberId: m.memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: 1, assignment, userData: Buffer.alloc(0) }),
      }));
    },
    protocol({ topics }) {
      return { name: 'AllPartitions', metadata: AssignerProtocol.MemberMetadata.encode({ version: 1, topics, userData: Buffer.alloc(0) }) };
    },
  });
}
