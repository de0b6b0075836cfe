import { FlatMapNode } from '../../dsl/nodes';
import { BatchStep, derive, eachRecord } from './batch-kit';

/** `flatMap`: zero or more records per record. A generator's error surfaces while iterating, inside the record's try. */
export function flatMapBatch(node: FlatMapNode): BatchStep {
  return (batch) =>
    eachRecord(node.name, batch, (env, out) => {
      for (const kv of node.fn(env.record)) out.push(derive(env, kv.key, kv.value));
    });
}
