import { Envelope } from '../envelope';
import { BatchStep } from './batch-kit';

/**
 * A node with several children: every branch gets every record, branches in the order they were attached.
 *
 * Batch-wise (the default), each branch runs over the whole batch and the results are merged back by source position,
 * branch by branch for one position: exactly the output order a record-at-a-time run produces, so a transaction's
 * output order is reproducible. User functions of sibling branches then see the batch branch after branch.
 *
 * Record at a time (`sharedState`), when two branches use one store: each record visits every branch before the next
 * record, so a branch reads what its sibling wrote for the records before, as Kafka Streams' depth-first order does.
 *
 * Outputs and failures that reach the fan-out pass on once, not once per branch.
 */
export function fanOutBatch(branches: BatchStep[], options: { sharedState?: boolean } = {}): BatchStep {
  if (options.sharedState) {
    return async (batch) => {
      const out: Envelope[] = [];
      for (const env of batch) {
        if (env.kind !== 'record') out.push(env);
        else for (const branch of branches) out.push(...(await branch([env])));
      }
      return out;
    };
  }
  return async (batch) => {
    const records = batch.filter((e) => e.kind === 'record');
    const passing = records.length === batch.length ? [] : batch.filter((e) => e.kind !== 'record');
    const results: Envelope[][] = [passing];
    for (const branch of branches) results.push(await branch(records));
    // Array.prototype.sort is stable: for one position, earlier runs (then earlier entries of a run) stay first.
    return results.flat().sort((a, b) => a.seq - b.seq);
  };
}
