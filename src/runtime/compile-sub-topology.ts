import { TopologyNode } from '../dsl/nodes';
import { SubTopology } from '../dsl/topology';
import { LogRecord } from '../core/records';
import { StoreSpec } from '../state/store-builder';
import { Envelope } from './envelope';
import { TaskContext } from './task-context';
import { BatchStep } from './operators/batch-kit';
import { composeSteps } from './operators/compose-steps';
import { aggregateBatch } from './operators/aggregate-batch';
import { dedupeBatch, dedupeTimeIndex } from './operators/dedupe-batch';
import { deserializeBatch } from './operators/deserialize-batch';
import { fanOutBatch } from './operators/fan-out-batch';
import { filterBatch } from './operators/filter-batch';
import { flatMapBatch } from './operators/flat-map-batch';
import { mapBatch } from './operators/map-batch';
import { mapValuesBatch } from './operators/map-values-batch';
import { peekBatch } from './operators/peek-batch';
import { processBatch } from './operators/process-batch';
import { sinkBatch } from './operators/sink-batch';
import { splitBatch } from './operators/split-batch';

/** A source's compiled pipeline: a run of its records (the first at position `firstSeq` of the task's batch) in, envelopes out. */
export type SourcePipeline = (records: LogRecord[], firstSeq: number) => Envelope[] | Promise<Envelope[]>;

/**
 * Turns a sub-topology's node graph into one chain of batch operators per source topic, bound to one task's context
 * (its stores, its partition). The same compiled pipeline runs under the in-memory driver and the Kafka runner.
 */
export function compileSubTopology(sub: SubTopology, ctx: TaskContext): Map<string, SourcePipeline> {
  const byName = new Map(sub.nodes.map((n) => [n.name, n]));
  const chain = (node: TopologyNode): BatchStep => {
    const children = node.children.map((c) => chain(byName.get(c)!));
    // A split routes each record to one branch: it is the fan-out of its own node.
    if (node.kind === 'split') return splitBatch(node, children, { sharedState: branchesShareStores(node, byName) });
    // A branch passes records on as they are.
    const steps: BatchStep[] = node.kind === 'source' || node.kind === 'branch' ? [] : [operatorFor(node, ctx)];
    if (children.length === 1) steps.push(children[0]);
    else if (children.length > 1) steps.push(fanOutBatch(children, { sharedState: branchesShareStores(node, byName) }));
    return steps.length === 0 ? (batch) => batch : composeSteps(steps);
  };
  return new Map(
    sub.sources.map((source) => {
      const decode = deserializeBatch(source, ctx);
      const rest = chain(source);
      return [source.topic, (records: LogRecord[], firstSeq: number) => rest(decode(records, firstSeq))] as const;
    }),
  );
}

/** Whether two branches below a fan-out node use one store (they must then see records depth-first). */
function branchesShareStores(node: TopologyNode, byName: Map<string, TopologyNode>): boolean {
  const storesBelow = (n: TopologyNode): string[] => [...n.stores, ...n.children.flatMap((c) => storesBelow(byName.get(c)!))];
  const seen = new Set<string>();
  for (const child of node.children) {
    const own = new Set(storesBelow(byName.get(child)!));
    for (const store of own) if (seen.has(store)) return true;
    for (const store of own) seen.add(store);
  }
  return false;
}

/** Every store a task of the sub-topology keeps: the declared ones (logged) and the operators' local indexes. */
export function storeSpecsOf(sub: SubTopology): StoreSpec[] {
  const dedupes = new Set(sub.nodes.filter((n) => n.kind === 'dedupe').map((n) => n.name));
  // Dedupe ids are read about once each: keeping them in the read cache would only churn it.
  const declared: StoreSpec[] = sub.stores.map((s) => ({ name: s.name, changelogTopic: s.changelogTopic, cacheReads: !(s.owner && dedupes.has(s.owner)) }));
  const indexes = [...dedupes].map((name) => dedupeTimeIndex({ name }));
  return [...declared, ...indexes];
}

function operatorFor(node: Exclude<TopologyNode, { kind: 'source' | 'split' | 'branch' }>, ctx: TaskContext): BatchStep {
  switch (node.kind) {
    case 'map':
      return mapBatch(node);
    case 'mapValues':
      return mapValuesBatch(node);
    case 'filter':
      return filterBatch(node);
    case 'flatMap':
      return flatMapBatch(node);
    case 'peek':
      return peekBatch(node);
    case 'dedupe':
      return dedupeBatch(node, ctx);
    case 'aggregate':
      return aggregateBatch(node, ctx);
    case 'process':
      return processBatch(node, ctx);
    case 'sink':
      return sinkBatch(node, ctx);
  }
}
