import { AssignerProtocol, PartitionAssigner } from 'kafkajs';

/**
 * kafkajs has no manual `assign()`. Each task consumes through its own group (`<app>-<task>`), and this assigner hands
 * every member exactly the task's partition of each topic — so standard tools show the task's lag, and a second
 * instance of the same task also gets the partition, starts, fences the first through the shared transactional id,
 * and is the only one that can still commit.
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
