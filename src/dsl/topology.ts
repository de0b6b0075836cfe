import { ErrorHandling, usesDeadLetters } from './error-handling';
import { SinkNode, SourceNode, StoreDefinition, TopologyNode, changelogTopicFor } from './nodes';
import { StreamsError } from '../core/errors/streams-error';
import { TopologyError } from '../core/errors/topology-error';
import { detailedDescription, kafkaStreamsDescription, mermaidDiagram } from './describe-topology';

export type TopicRole = 'source' | 'sink' | 'changelog' | 'dead-letter';

export interface TopicSpec {
  name: string;
  partitions: number;
  cleanupPolicy: 'delete' | 'compact';
  roles: TopicRole[];
  /**
   * `retention.ms` the topic is created with: -1 (keep everything) for an internal topic, one the topology both writes
   * and reads (the wallet's wallet.payment). Time-based retention there would silently drop records a task stopped
   * for longer than the retention had not read yet; undefined leaves the broker's default.
   */
  retentionMs?: number;
}

export interface SubTopology {
  name: string;
  sources: SourceNode[];
  nodes: TopologyNode[];
  stores: Array<StoreDefinition & { changelogTopic: string }>;
  sinks: SinkNode[];
}

export interface TaskId {
  id: string;
  subTopology: string;
  partition: number;
}

/** A validated topology: sub-topologies joined by topics, each run as one task per partition. */
export class Topology {
  readonly subTopologies: SubTopology[];
  private readonly byName: Map<string, TopologyNode>;

  /** @internal use defineTopology / TopologyBuilder.build */
  constructor(
    readonly applicationId: string,
    nodes: TopologyNode[],
    stores: StoreDefinition[],
    subTopologyNames: string[],
    private readonly declaredTopics: Map<string, { partitions: number }>,
    readonly defaultPartitions: number,
    readonly errors: ErrorHandling,
  ) {
    this.byName = new Map(nodes.map((n) => [n.name, n]));
    this.subTopologies = subTopologyNames.map((name) => {
      const own = nodes.filter((n) => n.subTopology === name);
      return {
        name,
        nodes: own,
        sources: own.filter((n): n is SourceNode => n.kind === 'source'),
        sinks: own.filter((n): n is SinkNode => n.kind === 'sink'),
        stores: stores.filter((s) => s.subTopology === name).map((s) => ({ ...s, changelogTopic: changelogTopicFor(applicationId, s.name) })),
      };
    });
  }

  node(name: string): TopologyNode {
    const node = this.byName.get(name);
    if (!node) throw new StreamsError(`no node named '${name}'`, { code: 'UNKNOWN_NODE' });
    return node;
  }

  subTopology(name: string): SubTopology {
    const sub = this.subTopologies.find((s) => s.name === name);
    if (!sub) throw new StreamsError(`no sub-topology named '${name}' (have: ${this.subTopologies.map((s) => s.name).join(', ')})`, { code: 'UNKNOWN_SUBTOPOLOGY' });
    return sub;
  }

  /** Partition count of a topic: its declaration, else `partitions` (the run's default). */
  partitionsOf(topic: string, partitions = this.defaultPartitions): number {
    return this.declaredTopics.get(topic)?.partitions ?? partitions;
  }

  /** Every topic the topology reads or writes, with the partition count and cleanup policy it needs. */
  topics(partitions = this.defaultPartitions): TopicSpec[] {
    const specs = new Map<string, TopicSpec>();
    const add = (name: string, role: TopicRole, n: number, cleanupPolicy: 'delete' | 'compact' = 'delete') => {
      const spec = specs.get(name) ?? { name, partitions: n, cleanupPolicy, roles: [] };
      if (!spec.roles.includes(role)) spec.roles.push(role);
      if (cleanupPolicy === 'compact') spec.cleanupPolicy = 'compact'; // one role that needs a table makes it one
      specs.set(name, spec);
    };
    for (const sub of this.subTopologies) {
      const n = this.taskCount(sub.name, partitions);
      for (const s of sub.sources) add(s.topic, 'source', this.partitionsOf(s.topic, partitions));
      for (const s of sub.sinks) add(s.topic, 'sink', this.partitionsOf(s.topic, partitions), s.compacted ? 'compact' : 'delete');
      // A changelog has one partition per task: partition p holds the state of task <sub>-p.
      for (const store of sub.stores) add(store.changelogTopic, 'changelog', n, 'compact');
    }
    if (usesDeadLetters(this.errors)) add(this.errors.deadLetterTopic, 'dead-letter', this.partitionsOf(this.errors.deadLetterTopic, partitions));
    for (const spec of specs.values()) if (spec.roles.includes('source') && spec.roles.includes('sink') && spec.cleanupPolicy === 'delete') spec.retentionMs = -1;
    return [...specs.values()];
  }

  /** Tasks of a sub-topology: the partition count its sources share (checked here, since it depends on the run). */
  taskCount(subTopology: string, partitions = this.defaultPartitions): number {
    const counts = new Map(this.subTopology(subTopology).sources.map((s) => [s.topic, this.partitionsOf(s.topic, partitions)]));
    if (new Set(counts.values()).size > 1) {
      const detail = [...counts].map(([topic, n]) => `${topic}=${n}`).join(', ');
      throw new TopologyError(`sub-topology '${subTopology}' reads topics with different partition counts (${detail}) at ${partitions} partitions; its sources must be co-partitioned`, subTopology, 'TOPOLOGY_NOT_COPARTITIONED');
    }
    return [...counts.values()][0];
  }

  tasks(partitions = this.defaultPartitions): TaskId[] {
    return this.subTopologies.flatMap((sub) =>
      Array.from({ length: this.taskCount(sub.name, partitions) }, (_, p) => ({ id: `${sub.name}-${p}`, subTopology: sub.name, partition: p })),
    );
  }

  task(id: string, partitions = this.defaultPartitions): TaskId {
    const task = this.tasks(partitions).find((t) => t.id === id);
    if (!task) {
      throw new StreamsError(`unknown task '${id}'; this topology has: ${this.tasks(partitions).map((t) => t.id).join(' ')}`, { code: 'UNKNOWN_TASK' });
    }
    return task;
  }

  /**
   * Kafka Streams' `TopologyDescription` text, byte for byte (`Topologies:`, `Sub-topology: 0`, `Source:`,
   * `Processor:`, `Sink:`, `-->`, `<--`), with sub-topologies numbered in definition order: tools that read Kafka
   * Streams' descriptions (kafka-streams-viz, ...) read it.
   */
  describe(): string {
    return kafkaStreamsDescription(this);
  }

  /**
   * `describe()`, then what Kafka Streams' text has no place for: the application id, each sub-topology's name,
   * tasks and node kinds, the stores' changelog topics, every topic with partitions, cleanup policy and roles, and
   * the tasks (`topology describe --format detail`).
   */
  describeDetail(partitions = this.defaultPartitions): string {
    return detailedDescription(this, partitions);
  }

  /** A Mermaid flowchart of the topology (`topology describe --format mermaid`). */
  toMermaid(): string {
    return mermaidDiagram(this);
  }

  toJSON(partitions = this.defaultPartitions): object {
    return {
      applicationId: this.applicationId,
      subTopologies: this.subTopologies.map((sub) => ({
        name: sub.name,
        nodes: sub.nodes.map((n) => ({
          name: n.name,
          kind: n.kind,
          ...(n.kind === 'source' || n.kind === 'sink' ? { topic: n.topic } : {}),
          stores: n.stores,
          successors: n.children,
          predecessors: n.parent ? [n.parent] : [],
        })),
        stores: sub.stores.map((s) => ({ name: s.name, changelogTopic: s.changelogTopic })),
      })),
      topics: this.topics(partitions),
      tasks: this.tasks(partitions).map((t) => t.id),
    };
  }
}
