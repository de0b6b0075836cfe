import { Serde } from '../serde/serde';
import { TopologyError } from '../core/errors/topology-error';
import { KStream } from './kstream';
import { StoreDefinition, TopologyNode } from './nodes';
import type { TopologyBuilder } from './topology-builder';

export interface StreamOptions<K, V> {
  serdes: { key: Serde<K>; value: Serde<V> };
  name?: string;
}

/** Builds one sub-topology: its sources, nodes and stores. Sub-topologies meet only through topics. */
export class SubTopologyBuilder {
  constructor(
    private readonly topology: TopologyBuilder,
    readonly name: string,
  ) {}

  stream<K, V>(topic: string, opts: StreamOptions<K, V>): KStream<K, V> {
    const node = this.addNode({ kind: 'source', topic, keySerde: opts.serdes.key, valueSerde: opts.serdes.value }, opts.name ?? `source-${topic}`, undefined, false);
    return new KStream<K, V>(this, node.name);
  }

  /** Declares a key-value store for `process` nodes of this sub-topology. */
  store<K, V>(name: string, serdes: { key: Serde<K>; value: Serde<V> }): void {
    this.topology.addStore({ name, subTopology: this.name, keySerde: serdes.key, valueSerde: serdes.value });
  }

  /** @internal dedupe/aggregate keep their state in a store named after the node. */
  declareOwnedStore(name: string, kind: string, keySerde?: Serde<any>, valueSerde?: Serde<any>): void {
    if (!name) throw new TopologyError(`a ${kind} node in sub-topology '${this.name}' needs a name: it names its store and changelog topic`, `${this.name}/${kind}`, 'TOPOLOGY_UNNAMED_STATEFUL_NODE');
    const bytes: Serde<Buffer> = { serialize: (b) => b, deserialize: (b) => b };
    this.topology.addStore({ name, subTopology: this.name, keySerde: keySerde ?? bytes, valueSerde: valueSerde ?? bytes, owner: name });
  }

  /** @internal */
  addNode(spec: object, name: string | undefined, parent: string | undefined, stateful: boolean): TopologyNode {
    const kind = (spec as { kind: string }).kind;
    if (stateful && !name) {
      throw new TopologyError(`a ${kind} node in sub-topology '${this.name}' needs an explicit name`, `${this.name}/${kind}`, 'TOPOLOGY_UNNAMED_STATEFUL_NODE');
    }
    const node = { stores: [], ...spec, name: name ?? this.topology.nextName(kind), subTopology: this.name, children: [], parent } as unknown as TopologyNode;
    this.topology.addNode(node);
    return node;
  }
}
