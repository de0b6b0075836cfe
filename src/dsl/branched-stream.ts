import { StreamRecord } from '../core/records';
import { TopologyError } from '../core/errors/topology-error';
import { KStream } from './kstream';
import { SplitNode } from './nodes';
import type { SubTopologyBuilder } from './sub-topology-builder';

export interface BranchOptions {
  /** The branch's name after the split's: node `<split>-<name>`. Default: its position (1, 2, ...) or `default`. */
  name?: string;
}

/**
 * What `KStream.split()` returns (Kafka Streams' `BranchedKStream`): each record goes to the first branch whose
 * predicate holds, so branches never overlap. `branch()` adds a predicate; `defaultBranch()` takes whatever no
 * predicate took, `noDefaultBranch()` drops it. Both end the split and return every branch's stream by its node name
 * (also the branches already wired up by a `consume` function).
 */
export class BranchedStream<K, V> {
  private readonly branches: Record<string, KStream<K, V>> = {};
  private ended = false;

  /** @internal use KStream.split() */
  constructor(
    private readonly owner: SubTopologyBuilder,
    private readonly split: SplitNode,
  ) {}

  /** A branch for the records `predicate` accepts (and no earlier branch took); `consume` wires it up in place. */
  branch(predicate: (record: StreamRecord<K, V>) => boolean, consume?: (branch: KStream<K, V>) => void, opts: BranchOptions = {}): this {
    this.add(predicate, consume, opts.name ?? String(this.split.predicates.length + 1));
    return this;
  }

  /** Every record no predicate took goes here; ends the split. */
  defaultBranch(consume?: (branch: KStream<K, V>) => void, opts: BranchOptions = {}): Record<string, KStream<K, V>> {
    this.add(undefined, consume, opts.name ?? 'default');
    return this.end();
  }

  /** Records no predicate took are dropped; ends the split. */
  noDefaultBranch(): Record<string, KStream<K, V>> {
    return this.end();
  }

  private add(predicate: ((record: StreamRecord<K, V>) => boolean) | undefined, consume: ((branch: KStream<K, V>) => void) | undefined, name: string): void {
    if (this.ended) throw new TopologyError(`split '${this.split.name}' already ended (defaultBranch/noDefaultBranch); add branches before it`, this.split.name, 'TOPOLOGY_SPLIT_ENDED');
    // The branch's predicate is registered with the split before its node, so children[i] always pairs predicates[i].
    this.split.predicates.push(predicate as SplitNode['predicates'][number]);
    const node = this.owner.addNode({ kind: 'branch' }, `${this.split.name}-${name}`, this.split.name, false);
    const stream = new KStream<K, V>(this.owner, node.name);
    this.branches[node.name] = stream;
    consume?.(stream);
  }

  private end(): Record<string, KStream<K, V>> {
    if (this.ended) throw new TopologyError(`split '${this.split.name}' already ended`, this.split.name, 'TOPOLOGY_SPLIT_ENDED');
    this.ended = true;
    return { ...this.branches };
  }
}
