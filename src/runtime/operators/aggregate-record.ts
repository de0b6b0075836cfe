import { OperatorFunction } from 'rxjs';
import { AggregateNode } from '../../dsl/nodes';
import { ProcessingError } from '../../errors/processing-error';
import { Envelope } from '../envelope';
import { partitionForKey } from '../murmur2';
import { TaskContext } from '../task-context';
import { callUser, derive, onRecords } from './on-records';

/**
 * Folds each record into the aggregate of its key (kept in the node's store) and emits the new aggregate. The key
 * must belong to this task's partition: an aggregate split across tasks would be silently wrong, so a key that
 * hashes elsewhere is a processing error telling the author to repartition through a topic first.
 */
export function aggregateRecord(node: AggregateNode, ctx: TaskContext): OperatorFunction<Envelope, Envelope> {
  const store = ctx.store(node.name);
  const sourceTopic = ctx.topology.subTopology(node.subTopology).sources[0].topic;
  const partitions = ctx.topology.partitionsOf(sourceTopic, ctx.partitions);
  const topic = `${ctx.applicationId}-${node.name}-changelog`;

  return onRecords(node.name, async (record) => {
    const key = callUser(node.name, record, () => node.key(record));
    const keyBytes = node.keySerde.serialize(key, topic);
    const owner = partitionForKey(keyBytes, partitions);
    if (owner !== ctx.partition) {
      throw new ProcessingError(node.name, record.source, new Error(`aggregate key ${JSON.stringify(key)} belongs to partition ${owner}, not ${ctx.partition}: re-key the stream through a topic before aggregating`));
    }
    const stored = await store.get(keyBytes);
    const current = stored === undefined ? callUser(node.name, record, () => node.init(key)) : node.valueSerde.deserialize(stored, topic);
    const next = callUser(node.name, record, () => node.add(current, record));
    store.put(keyBytes, node.valueSerde.serialize(next, topic));
    return [derive(record, key, next)];
  });
}
