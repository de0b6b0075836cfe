import { ErrorHandling, defaultErrorHandling } from './error-handling';
import { StoreDefinition, TopologyNode } from './nodes';
import { SubTopologyBuilder } from './sub-topology-builder';
import { Topology } from './topology';
import { validateTopology } from './validate-topology';

export interface TopologyOptions {
  /** Partitions of every topic not declared with `topic()`; tasks per sub-topology. Default 2. */
  partitions?: number;
  errors?: Partial<ErrorHandling>;
}

/** Collects the logical graph; `build()` validates it and splits it into sub-topologies. */
export class TopologyBuilder {
  /** @internal */ readonly nodes: TopologyNode[] = [];
  /** @internal */ readonly stores: StoreDefinition[] = [];
  /** @internal */ readonly subTopologyNames: string[] = [];
  /** @internal */ readonly declaredTopics = new Map<string, { partitions: number }>();
  private counter = 0;

  constructor(
    readonly applicationId: string,
    readonly options: TopologyOptions = {},
  ) {}

  subTopology(name: string, build: (s: SubTopologyBuilder) => void): this {
    this.subTopologyNames.push(name);
    build(new SubTopologyBuilder(this, name));
    return this;
  }

  /** Fixes a topic's partition count (otherwise the topology default applies). */
  topic(name: string, opts: { partitions: number }): this {
    this.declaredTopics.set(name, { partitions: opts.partitions });
    return this;
  }

  build(): Topology {
    const errors = defaultErrorHandling(this.applicationId, this.options.errors);
    validateTopology(this, errors);
    return new Topology(this.applicationId, this.nodes, this.stores, this.subTopologyNames, this.declaredTopics, this.options.partitions ?? 2, errors);
  }

  /** @internal */
  nextName(kind: string): string {
    this.counter += 1;
    return `${kind}-${this.counter}`;
  }

  /** @internal */
  addNode(node: TopologyNode): void {
    this.nodes.push(node);
    if (node.parent) this.nodes.find((n) => n.name === node.parent)?.children.push(node.name);
  }

  /** @internal */
  addStore(store: StoreDefinition): void {
    this.stores.push(store);
  }
}

/** Defines and validates a topology in one go; throws a TopologyError naming the offending node. */
export function defineTopology(applicationId: string, build: (t: TopologyBuilder) => void, options: TopologyOptions = {}): Topology {
  const builder = new TopologyBuilder(applicationId, options);
  build(builder);
  return builder.build();
}
