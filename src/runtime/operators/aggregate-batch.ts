import { AggregateNode } from '../../dsl/nodes';
import { ProcessingError } from '../../core/errors/processing-error';
import { Envelope } from '../envelope';
import { partitionForKey } from '../murmur2';
import { TaskContext } from '../task-context';
import { BatchStep, asFailure, derive } from './batch-kit';
import { prefetchKeys } from './prefetch-keys';

/**
 * Folds each record into the aggregate of its key (kept in the node's store) and emits the new aggregate. The keys
 * are computed first and read in one multi-get; the fold is then synchronous. A key must belong to this task's
 * partition: an aggregate split across tasks would be silently wrong, so a key that hashes elsewhere is a processing
 * error telling the author to repartition through a topic first.
 */
export function aggregateBatch(node: AggregateNode, ctx: TaskContext): BatchStep {
  const store = ctx.store(node.name);
  const sourceTopic = ctx.topology.subTopology(node.subTopology).sources[0].topic;
  const partitions = ctx.topology.partitionsOf(sourceTopic, ctx.partitions);
  const topic = `${ctx.applicationId}-${node.name}-changelog`;

  return async (batch) => {
    const keyOf = await prefetchKeys(
      node.name,
      batch,
      store,
      (env) => {
        const key = node.key(env.record);
        const bytes = node.keySerde.serialize(key, topic);
        const owner = partitionForKey(bytes, partitions);
        if (owner !== ctx.partition) {
          throw new ProcessingError(node.name, env.record.source, new Error(`aggregate key ${JSON.stringify(key)} belongs to partition ${owner}, not ${ctx.partition}: re-key the stream through a topic before aggregating`));
        }
        return { key, bytes };
      },
      (k) => k.bytes,
    );

    const out: Envelope[] = [];
    for (const env of batch) {
      if (env.kind !== 'record') {
        out.push(env);
        continue;
      }
      const found = keyOf.get(env)!;
      if (!found.ok) {
        out.push(found.failure);
        continue;
      }
      const k = found.key;
      try {
        const stored = store.peek(k.bytes);
        const current = stored === undefined ? node.init(k.key) : node.valueSerde.deserialize(stored, topic);
        const next = node.add(current, env.record);
        store.putOwned(k.bytes, node.valueSerde.serialize(next, topic));
        out.push(derive(env, k.key, next));
      } catch (err) {
        out.push(asFailure(node.name, env, err));
      }
    }
    return out;
  };
}
