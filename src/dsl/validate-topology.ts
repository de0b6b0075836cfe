import { TopologyError } from '../core/errors/topology-error';
import { ErrorHandling, usesDeadLetters } from './error-handling';
import { SourceNode, changelogTopicFor } from './nodes';
import type { TopologyBuilder } from './topology-builder';

const LEGAL = /^[a-zA-Z0-9._-]+$/;
/** Kafka's own topic name rule: legal characters, not '.' or '..', at most 249 characters. */
const legalTopic = (name: string) => LEGAL.test(name) && name !== '.' && name !== '..' && name.length <= 249;

/**
 * Everything that would otherwise fail at run time, or worse, run wrongly: each check throws a TopologyError that
 * names the node, store, topic or sub-topology at fault.
 */
export function validateTopology(t: TopologyBuilder, errors: ErrorHandling): void {
  if (!LEGAL.test(t.applicationId)) {
    throw new TopologyError(`application id '${t.applicationId}' may use only letters, digits, '.', '_' and '-' (it prefixes topic names)`, t.applicationId, 'TOPOLOGY_BAD_NAME');
  }
  const partitions = t.options.partitions ?? 2;
  if (!Number.isInteger(partitions) || partitions < 1) {
    throw new TopologyError(`partitions must be a positive integer, got ${partitions}`, t.applicationId, 'TOPOLOGY_BAD_PARTITIONS');
  }

  for (const [topic, { partitions: n }] of t.declaredTopics) {
    if (!Number.isInteger(n) || n < 1) throw new TopologyError(`topic '${topic}' is declared with ${n} partitions; a partition count is a positive integer`, topic, 'TOPOLOGY_BAD_PARTITIONS');
  }

  const subTopologies = new Set<string>();
  for (const name of t.subTopologyNames) {
    if (subTopologies.has(name)) throw new TopologyError(`duplicate sub-topology name '${name}'`, name, 'TOPOLOGY_DUPLICATE_NAME');
    if (!LEGAL.test(name)) throw new TopologyError(`sub-topology name '${name}' may use only letters, digits, '.', '_' and '-' (it names tasks)`, name, 'TOPOLOGY_BAD_NAME');
    subTopologies.add(name);
  }

  const nodes = new Set<string>();
  for (const node of t.nodes) {
    if (nodes.has(node.name)) throw new TopologyError(`duplicate node name '${node.name}'`, node.name, 'TOPOLOGY_DUPLICATE_NAME');
    nodes.add(node.name);
  }

  for (const node of t.nodes) {
    if (node.kind === 'split' && node.predicates.length === 0) {
      throw new TopologyError(`split '${node.name}' has no branch: add branch(...) or defaultBranch(...)`, node.name, 'TOPOLOGY_EMPTY_SPLIT');
    }
  }

  const stores = new Map<string, string>();
  for (const store of t.stores) {
    if (stores.has(store.name)) throw new TopologyError(`duplicate store name '${store.name}'`, store.name, 'TOPOLOGY_DUPLICATE_NAME');
    if (!LEGAL.test(store.name)) throw new TopologyError(`store name '${store.name}' may use only letters, digits, '.', '_' and '-' (it names a changelog topic)`, store.name, 'TOPOLOGY_BAD_NAME');
    stores.set(store.name, store.subTopology);
  }
  for (const node of t.nodes) {
    for (const store of node.stores) {
      const owner = stores.get(store);
      if (owner === undefined) throw new TopologyError(`node '${node.name}' uses unknown store '${store}'`, node.name, 'TOPOLOGY_UNKNOWN_STORE');
      if (owner !== node.subTopology) {
        throw new TopologyError(`node '${node.name}' in sub-topology '${node.subTopology}' uses store '${store}' of sub-topology '${owner}'; stores are local to a sub-topology`, node.name, 'TOPOLOGY_UNKNOWN_STORE');
      }
    }
  }

  const readers = new Map<string, string>();
  for (const name of t.subTopologyNames) {
    const sources = t.nodes.filter((n): n is SourceNode => n.kind === 'source' && n.subTopology === name);
    if (sources.length === 0) throw new TopologyError(`sub-topology '${name}' has no source: call stream(topic, ...) in it`, name, 'TOPOLOGY_NO_SOURCE');
    for (const source of sources) {
      const other = readers.get(source.topic);
      if (other !== undefined) {
        throw new TopologyError(`topic '${source.topic}' is read by sub-topology '${other}' and by node '${source.name}' of '${name}'; a topic feeds one sub-topology`, source.name, 'TOPOLOGY_TOPIC_READ_TWICE');
      }
      readers.set(source.topic, name);
    }
    // Co-partitioning: one task reads partition p of every source, so they must agree on the partition count.
    const counts = new Map(sources.map((s) => [s.topic, t.declaredTopics.get(s.topic)?.partitions ?? partitions]));
    if (new Set(counts.values()).size > 1) {
      const detail = [...counts].map(([topic, n]) => `${topic}=${n}`).join(', ');
      throw new TopologyError(`sub-topology '${name}' reads topics with different partition counts (${detail}); its sources must be co-partitioned`, name, 'TOPOLOGY_NOT_COPARTITIONED');
    }
  }

  const reserved = new Set(t.stores.map((s) => changelogTopicFor(t.applicationId, s.name)));
  for (const store of t.stores) {
    const changelog = changelogTopicFor(t.applicationId, store.name);
    if (!legalTopic(changelog)) throw new TopologyError(`store '${store.name}' would need changelog topic '${changelog}', which is not a legal Kafka topic name (at most 249 characters)`, store.name, 'TOPOLOGY_BAD_NAME');
  }
  if (usesDeadLetters(errors)) {
    if (!legalTopic(errors.deadLetterTopic)) throw new TopologyError(`dead-letter topic '${errors.deadLetterTopic}' is not a legal Kafka topic name`, errors.deadLetterTopic, 'TOPOLOGY_BAD_NAME');
    reserved.add(errors.deadLetterTopic);
  }
  for (const node of t.nodes) {
    const topic = node.kind === 'source' || node.kind === 'sink' ? node.topic : undefined;
    if (topic !== undefined && reserved.has(topic)) {
      throw new TopologyError(`node '${node.name}' uses topic '${topic}', which the topology keeps for a changelog or dead letters`, node.name, 'TOPOLOGY_RESERVED_TOPIC');
    }
    if (topic !== undefined && !legalTopic(topic)) throw new TopologyError(`topic name '${topic}' of node '${node.name}' is not a legal Kafka topic name`, node.name, 'TOPOLOGY_BAD_NAME');
  }
}
