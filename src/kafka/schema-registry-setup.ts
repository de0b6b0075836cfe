import { Topology } from '../dsl/topology';
import { changelogTopicFor } from '../dsl/nodes';
import { Compatibility, RegistryAwareSerde, SchemaRegistryClient, isRegistryAware, schemaRegistry, valueSubject } from '../serde/schema-registry';

/** A registry as the options of runners, producers and views take it: a URL, a client, or none. */
export type SchemaRegistryOption = string | SchemaRegistryClient | undefined;

export function resolveSchemaRegistry(option: SchemaRegistryOption): SchemaRegistryClient | undefined {
  if (option === undefined || option === '') return undefined;
  return typeof option === 'string' ? schemaRegistry(option) : option;
}

/** One topic whose values a registry-aware serde of the topology reads or writes. */
export interface SchemaSubject {
  topic: string;
  /** `<topic>-value` */
  subject: string;
  serde: RegistryAwareSerde;
  /** Which sub-topology uses it, and how. */
  subTopology: string;
  role: 'source' | 'sink' | 'changelog';
}

/**
 * Every (topic, value serde) pair of the topology whose serde a schema registry can describe: sources, sinks, and the
 * changelogs of stores (a store's serde writes its changelog, as in Kafka Streams). Keys are left alone.
 */
export function schemaSubjects(topology: Topology, subTopologies?: readonly string[]): SchemaSubject[] {
  const out: SchemaSubject[] = [];
  const add = (topic: string, serde: unknown, subTopology: string, role: SchemaSubject['role']) => {
    if (!isRegistryAware(serde) || out.some((s) => s.topic === topic && s.serde === serde)) return;
    out.push({ topic, subject: valueSubject(topic), serde, subTopology, role });
  };
  for (const sub of topology.subTopologies) {
    if (subTopologies && !subTopologies.includes(sub.name)) continue;
    for (const s of sub.sources) add(s.topic, s.valueSerde, sub.name, 'source');
    for (const s of sub.sinks) add(s.topic, s.valueSerde, sub.name, 'sink');
    for (const store of sub.stores) add(store.changelogTopic, store.valueSerde, sub.name, 'changelog');
    for (const node of sub.nodes) if (node.kind === 'aggregate') add(changelogTopicFor(topology.applicationId, node.name), node.valueSerde, sub.name, 'changelog');
  }
  return out;
}

export interface SchemaRegistration {
  subject: string;
  id: number;
  /** False when the subject already held the schema. */
  registered: boolean;
}

/**
 * Registers the schema of every registry-aware value serde under `<topic>-value`, with the subject's compatibility
 * set to `compatibility` (BACKWARD: readers of the new schema can read what the old one wrote). A topic read with
 * one schema and written with another gets both, the reader's first. A schema the registry refuses stops here with
 * its reason (`SchemaRegistryError`, code SCHEMA_INCOMPATIBLE): no later subject is touched.
 */
export async function registerSchemas(topology: Topology, registry: SchemaRegistryClient, opts: { compatibility?: Compatibility } = {}): Promise<SchemaRegistration[]> {
  const done = new Map<string, SchemaRegistration>();
  for (const s of schemaSubjects(topology)) {
    const key = `${s.subject}\u0000${s.serde.registrySchema}`;
    if (done.has(key)) continue;
    const { id, registered } = await registry.register(s.subject, s.serde.registrySchema, { compatibility: opts.compatibility ?? 'BACKWARD' });
    done.set(key, { subject: s.subject, id, registered });
  }
  return [...done.values()];
}

/**
 * Hands `registry` to every registry-aware value serde of the topology (or of some sub-topologies: a task's own),
 * each looking up its schema id for the topics it serves, once, now. From then on they write the Confluent wire
 * format, synchronously. Fails with SCHEMA_NOT_REGISTERED naming the subject when a schema was never registered.
 */
export async function useSchemaRegistry(topology: Topology, registry: SchemaRegistryClient, subTopologies?: readonly string[]): Promise<void> {
  const topicsBySerde = new Map<RegistryAwareSerde, string[]>();
  for (const s of schemaSubjects(topology, subTopologies)) {
    const topics = topicsBySerde.get(s.serde) ?? [];
    if (!topics.includes(s.topic)) topics.push(s.topic);
    topicsBySerde.set(s.serde, topics);
  }
  for (const [serde, topics] of topicsBySerde) await serde.useSchemaRegistry(registry, topics);
}

/**
 * Hands `registry` to one value serde (when it is registry-aware): it looks up its schema id for `writeTopics`, and
 * reads the Confluent wire format through the registry. A reader alone passes no topics.
 */
export async function serdeUsesSchemaRegistry(serde: unknown, registry: SchemaRegistryClient | undefined, writeTopics: readonly string[]): Promise<void> {
  if (registry && isRegistryAware(serde)) await serde.useSchemaRegistry(registry, writeTopics);
}
