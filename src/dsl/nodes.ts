import { Serde } from '../serde/serde';
import { KeyValue, StreamRecord } from '../core/records';
import { TypedStore } from '../state/typed-store';

/** What user functions of a `process` node get besides the record. */
export interface ProcessorApi {
  readonly taskId: string;
  readonly partition: number;
  /** The largest record timestamp this task has seen (Kafka Streams' stream time). */
  readonly streamTime: number;
  store<K, V>(name: string): TypedStore<K, V>;
  forward<K, V>(record: KeyValue<K, V>): void;
}

type AnyRecord = StreamRecord<any, any>;

interface NodeBase {
  name: string;
  subTopology: string;
  /** Child node names, in the order they were attached (records visit them in that order). */
  children: string[];
  parent?: string;
  /** Stores this node reads or writes. */
  stores: string[];
}

export interface SourceNode extends NodeBase {
  kind: 'source';
  topic: string;
  keySerde: Serde<any>;
  valueSerde: Serde<any>;
}
export interface MapNode extends NodeBase {
  kind: 'map';
  fn: (record: AnyRecord) => KeyValue<any, any>;
}
export interface MapValuesNode extends NodeBase {
  kind: 'mapValues';
  fn: (value: any, record: AnyRecord) => any;
}
export interface FilterNode extends NodeBase {
  kind: 'filter';
  fn: (record: AnyRecord) => boolean;
}
export interface FlatMapNode extends NodeBase {
  kind: 'flatMap';
  fn: (record: AnyRecord) => Iterable<KeyValue<any, any>>;
}
export interface PeekNode extends NodeBase {
  kind: 'peek';
  fn: (record: AnyRecord) => void;
}
export interface DedupeNode extends NodeBase {
  kind: 'dedupe';
  id: (record: AnyRecord) => string;
  retentionMs: number;
}
export interface AggregateNode extends NodeBase {
  kind: 'aggregate';
  key: (record: AnyRecord) => any;
  init: (key: any) => any;
  add: (aggregate: any, record: AnyRecord) => any;
  keySerde: Serde<any>;
  valueSerde: Serde<any>;
}
export interface ProcessNode extends NodeBase {
  kind: 'process';
  fn: (record: AnyRecord, api: ProcessorApi) => void | Promise<void>;
}
/**
 * `split()`: each record goes to the first branch whose predicate holds (`children[i]` is the branch of
 * `predicates[i]`; an undefined predicate is the default branch, which takes every record that reaches it). A record
 * no branch takes is dropped.
 */
export interface SplitNode extends NodeBase {
  kind: 'split';
  predicates: Array<((record: AnyRecord) => boolean) | undefined>;
}
/** One branch of a split: passes records on unchanged (Kafka Streams' branch child). */
export interface BranchNode extends NodeBase {
  kind: 'branch';
}
export interface SinkNode extends NodeBase {
  kind: 'sink';
  topic: string;
  keySerde: Serde<any>;
  valueSerde: Serde<any>;
  report?: (record: AnyRecord, position: { partition: number; offset: number }) => string | undefined;
  /** A table topic: created and required compacted. */
  compacted: boolean;
}

export type TopologyNode =
  | SourceNode
  | MapNode
  | MapValuesNode
  | FilterNode
  | FlatMapNode
  | PeekNode
  | DedupeNode
  | AggregateNode
  | ProcessNode
  | SplitNode
  | BranchNode
  | SinkNode;

/** A named key-value store; its changelog topic is `<app>-<name>-changelog`. */
export interface StoreDefinition {
  name: string;
  subTopology: string;
  keySerde: Serde<any>;
  valueSerde: Serde<any>;
  /** The node that declared it (dedupe/aggregate), or undefined for stores declared with `store()`. */
  owner?: string;
}

export function changelogTopicFor(applicationId: string, store: string): string {
  return `${applicationId}-${store}-changelog`;
}
