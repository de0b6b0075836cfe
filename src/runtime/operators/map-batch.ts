import { MapNode } from '../../dsl/nodes';
import { BatchStep, derive, eachRecord } from './batch-kit';

/** `map`: a new key and value for each record. */
export function mapBatch(node: MapNode): BatchStep {
  return (batch) =>
    eachRecord(node.name, batch, (env, out) => {
      const kv = node.fn(env.record);
      out.push(derive(env, kv.key, kv.value));
    });
}
