import { Serde } from '../serde/serde';
import { KeyValue, StreamRecord } from '../core/records';
import { Duration, parseDuration } from '../core/duration';
import { TopologyError } from '../core/errors/topology-error';
import { ProcessorApi, SplitNode, TopologyNode } from './nodes';
import { BranchedStream } from './branched-stream';
import type { SubTopologyBuilder } from './sub-topology-builder';

export interface Named {
  /** A stable node name; stateless nodes get `<kind>-<n>` when omitted. */
  name?: string;
}

export interface DedupeOptions<K, V> {
  /** Names the node and its store (changelog `<app>-<name>-changelog`). Required: state needs a stable name. */
  name: string;
  /** The identity of a record; a second record with the same id inside `retention` is dropped. */
  id: (record: StreamRecord<K, V>) => string;
  /** How long an id is remembered, by record time, e.g. '7d'. */
  retention: Duration;
}

export interface AggregateOptions<K, V, K2, A> {
  name: string;
  /** The table key; defaults to the record key. Must map to the same partition as the record key. */
  key?: (record: StreamRecord<K, V>) => K2;
  init: (key: K2) => A;
  add: (aggregate: A, record: StreamRecord<K, V>) => A;
  serdes: { key: Serde<K2>; value: Serde<A> };
}

export interface ToOptions<K, V> extends Named {
  serdes: { key: Serde<K>; value: Serde<V> };
  /** A line about each record once committed, printed by `topology run` (e.g. the wallet's balance lines). */
  report?: (record: StreamRecord<K, V>, position: { partition: number; offset: number }) => string | undefined;
  /**
   * The topic is a table: its latest record per key is its content (e.g. the wallet's balances), so it is created
   * compacted (`cleanup.policy=compact`) and a run refuses an existing one that is not, as for changelogs; with
   * delete cleanup, keys idle for the retention period would vanish.
   */
  compacted?: boolean;
}

export interface ProcessOptions<K, V> {
  name: string;
  stores?: string[];
  process: (record: StreamRecord<K, V>, api: ProcessorApi) => void | Promise<void>;
}

/** A stream of typed records inside one sub-topology. Every operation adds a node and returns the stream after it. */
export class KStream<K, V> {
  constructor(
    private readonly owner: SubTopologyBuilder,
    readonly nodeName: string,
  ) {}

  map<K2, V2>(fn: (record: StreamRecord<K, V>) => KeyValue<K2, V2>, opts: Named = {}): KStream<K2, V2> {
    return this.add({ kind: 'map', fn }, opts.name);
  }

  mapValues<V2>(fn: (value: V, record: StreamRecord<K, V>) => V2, opts: Named = {}): KStream<K, V2> {
    return this.add({ kind: 'mapValues', fn }, opts.name);
  }

  filter(fn: (record: StreamRecord<K, V>) => boolean, opts: Named = {}): KStream<K, V> {
    return this.add({ kind: 'filter', fn }, opts.name);
  }

  flatMap<K2, V2>(fn: (record: StreamRecord<K, V>) => Iterable<KeyValue<K2, V2>>, opts: Named = {}): KStream<K2, V2> {
    return this.add({ kind: 'flatMap', fn }, opts.name);
  }

  peek(fn: (record: StreamRecord<K, V>) => void, opts: Named = {}): KStream<K, V> {
    return this.add({ kind: 'peek', fn }, opts.name);
  }

  /** Drops records whose id was already seen within `retention`. State: a store named after the node. */
  dedupe(opts: DedupeOptions<K, V>): KStream<K, V> {
    let retentionMs: number;
    try {
      retentionMs = parseDuration(opts.retention, `dedupe '${opts.name}' retention`);
    } catch (err) {
      throw new TopologyError((err as Error).message, opts.name, 'TOPOLOGY_BAD_DURATION');
    }
    this.owner.declareOwnedStore(opts.name, 'dedupe');
    return this.add({ kind: 'dedupe', id: opts.id, retentionMs, stores: [opts.name] }, opts.name, true);
  }

  /** Folds records into a table (a store named after the node) and emits each new aggregate under its key. */
  aggregate<K2, A>(opts: AggregateOptions<K, V, K2, A>): KStream<K2, A> {
    this.owner.declareOwnedStore(opts.name, 'aggregate', opts.serdes.key, opts.serdes.value);
    return this.add(
      {
        kind: 'aggregate',
        key: opts.key ?? ((r: StreamRecord<K, V>) => r.key),
        init: opts.init,
        add: opts.add,
        keySerde: opts.serdes.key,
        valueSerde: opts.serdes.value,
        stores: [opts.name],
      },
      opts.name,
      true,
    );
  }

  /** A custom processor with access to named stores (declared with `store()`); emits with `api.forward`. */
  process<K2 = K, V2 = V>(opts: ProcessOptions<K, V>): KStream<K2, V2> {
    return this.add({ kind: 'process', fn: opts.process, stores: opts.stores ?? [] }, opts.name, true);
  }

  /**
   * Routes each record to the first of several branches whose predicate holds (Kafka Streams' `split()`), e.g. a
   * decision's outcomes to different topics. Each record goes to one branch at most, unlike attaching two children
   * to one stream (where every child sees every record).
   */
  split(opts: Named = {}): BranchedStream<K, V> {
    const node = this.owner.addNode({ kind: 'split', predicates: [] }, opts.name, this.nodeName, false) as SplitNode;
    return new BranchedStream<K, V>(this.owner, node);
  }

  /** Writes to a topic, partitioned by murmur2 of the serialized key (Kafka's default partitioner). */
  to(topic: string, opts: ToOptions<K, V>): void {
    this.add({ kind: 'sink', topic, keySerde: opts.serdes.key, valueSerde: opts.serdes.value, report: opts.report, compacted: opts.compacted ?? false }, opts.name);
  }

  private add<K2, V2>(spec: DistributiveOmit<TopologyNode, 'name' | 'subTopology' | 'children' | 'parent' | 'stores'> & { stores?: string[] }, name: string | undefined, stateful = false): KStream<K2, V2> {
    const node = this.owner.addNode(spec, name, this.nodeName, stateful);
    return new KStream<K2, V2>(this.owner, node.name);
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
