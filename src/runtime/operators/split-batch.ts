import { SplitNode } from '../../dsl/nodes';
import { Envelope, RecordEnvelope } from '../envelope';
import { BatchStep, asFailure } from './batch-kit';

/**
 * `split()`: each record goes to the first branch whose predicate holds (`branches[i]` pairs `node.predicates[i]`;
 * an undefined predicate takes every record). A record no branch takes is dropped; a predicate that throws makes the
 * record a failure for the error boundary.
 *
 * Batch-wise (the default), the records are grouped per branch, each branch runs once over its group, and the
 * results are merged back by source position: the output order a record-at-a-time run produces. With `sharedState`
 * (two branches use one store) each record runs through its branch before the next record is routed, as in Kafka
 * Streams' depth-first order.
 */
export function splitBatch(node: SplitNode, branches: BatchStep[], options: { sharedState?: boolean } = {}): BatchStep {
  const route = (env: RecordEnvelope): number => node.predicates.findIndex((p) => p === undefined || p(env.record));

  if (options.sharedState) {
    return async (batch) => {
      const out: Envelope[] = [];
      for (const env of batch) {
        if (env.kind !== 'record') {
          out.push(env);
          continue;
        }
        let target: number;
        try {
          target = route(env);
        } catch (err) {
          out.push(asFailure(node.name, env, err));
          continue;
        }
        if (target >= 0) out.push(...(await branches[target]([env])));
      }
      return out;
    };
  }

  return async (batch) => {
    const groups: Envelope[][] = branches.map(() => []);
    const passing: Envelope[] = [];
    for (const env of batch) {
      if (env.kind !== 'record') {
        passing.push(env);
        continue;
      }
      try {
        const target = route(env);
        if (target >= 0) groups[target].push(env);
      } catch (err) {
        passing.push(asFailure(node.name, env, err));
      }
    }
    const results: Envelope[][] = [passing];
    for (let i = 0; i < branches.length; i++) if (groups[i].length > 0) results.push(await branches[i](groups[i]));
    // Stable sort: for one position, what came first (failures, then earlier branches) stays first.
    return results.flat().sort((a, b) => a.seq - b.seq);
  };
}
