import { PeekNode } from '../../dsl/nodes';
import { BatchStep, eachRecord } from './batch-kit';

/** `peek`: calls the function for each record and passes the record on unchanged. */
export function peekBatch(node: PeekNode): BatchStep {
  return (batch) =>
    eachRecord(node.name, batch, (env, out) => {
      node.fn(env.record);
      out.push(env);
    });
}
