import { MapValuesNode } from '../../dsl/nodes';
import { BatchStep, derive, eachRecord } from './batch-kit';

/** `mapValues`: a new value for each record, same key. */
export function mapValuesBatch(node: MapValuesNode): BatchStep {
  return (batch) => eachRecord(node.name, batch, (env, out) => void out.push(derive(env, env.record.key, node.fn(env.record.value, env.record))));
}
