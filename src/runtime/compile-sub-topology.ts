import { OperatorFunction, identity, pipe } from 'rxjs';
import { TopologyNode } from '../dsl/nodes';
import { SubTopology } from '../dsl/topology';
import { Envelope } from './envelope';
import { LogRecord } from './records';
import { TaskContext } from './task-context';
import { aggregateRecord } from './operators/aggregate-record';
import { dedupeRecord } from './operators/dedupe-record';
import { deserializeSource } from './operators/deserialize-source';
import { fanOut } from './operators/fan-out';
import { filterRecord } from './operators/filter-record';
import { flatMapRecord } from './operators/flat-map-record';
import { mapRecord } from './operators/map-record';
import { mapValuesRecord } from './operators/map-values-record';
import { peekRecord } from './operators/peek-record';
import { processRecord } from './operators/process-record';
import { sinkRecord } from './operators/sink-record';

/**
 * Turns a sub-topology's node graph into one RxJS pipeline per source topic, bound to one task's context (its
 * stores, its partition). The same compiled pipeline runs under the in-memory driver and the Kafka runner.
 */
export function compileSubTopology(sub: SubTopology, ctx: TaskContext): Map<string, OperatorFunction<LogRecord, Envelope>> {
  const byName = new Map(sub.nodes.map((n) => [n.name, n]));
  const chain = (node: TopologyNode): OperatorFunction<Envelope, Envelope> => {
    const own = node.kind === 'source' ? identity : operatorFor(node, ctx);
    const children = node.children.map((c) => chain(byName.get(c)!));
    if (children.length === 0) return own;
    return pipe(own, children.length === 1 ? children[0] : fanOut(children));
  };
  return new Map(sub.sources.map((source) => [source.topic, pipe(deserializeSource(source, ctx), chain(source))]));
}

function operatorFor(node: Exclude<TopologyNode, { kind: 'source' }>, ctx: TaskContext): OperatorFunction<Envelope, Envelope> {
  switch (node.kind) {
    case 'map':
      return mapRecord(node);
    case 'mapValues':
      return mapValuesRecord(node);
    case 'filter':
      return filterRecord(node);
    case 'flatMap':
      return flatMapRecord(node);
    case 'peek':
      return peekRecord(node);
    case 'dedupe':
      return dedupeRecord(node, ctx);
    case 'aggregate':
      return aggregateRecord(node, ctx);
    case 'process':
      return processRecord(node, ctx);
    case 'sink':
      return sinkRecord(node, ctx);
  }
}
