import { FilterNode } from '../../dsl/nodes';
import { BatchStep, eachRecord } from './batch-kit';

/** `filter`: keeps the records the predicate accepts. */
export function filterBatch(node: FilterNode): BatchStep {
  return (batch) =>
    eachRecord(node.name, batch, (env, out) => {
      if (node.fn(env.record)) out.push(env);
    });
}
