import { SinkNode } from '../../dsl/nodes';
import { SerializationError } from '../../core/errors/serialization-error';
import { describeOrigin } from '../../core/errors/streams-error';
import { partitionForKey } from '../murmur2';
import { TaskContext } from '../task-context';
import { BatchStep, eachRecord } from './batch-kit';

/** Serializes each record for its topic and picks the partition with murmur2 of the key bytes, as Kafka clients do. */
export function sinkBatch(node: SinkNode, ctx: TaskContext): BatchStep {
  const partitions = ctx.topology.partitionsOf(node.topic, ctx.partitions);
  // Keyless records stay in the source partition's lane, so their order with respect to it is kept.
  const keylessPartition = ctx.partition % partitions;
  const report = node.report;
  return (batch) =>
    eachRecord(node.name, batch, (env, out) => {
      const { record } = env;
      let key: Buffer | null;
      let value: Buffer | null;
      try {
        key = record.key === null || record.key === undefined ? null : node.keySerde.serialize(record.key, node.topic);
        value = record.value === null || record.value === undefined ? null : node.valueSerde.serialize(record.value, node.topic);
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        throw new SerializationError(`sink '${node.name}' cannot serialize a record for ${node.topic} (from ${describeOrigin(record.source)}): ${reason}`, {
          field: err instanceof SerializationError ? err.field : undefined,
          cause: err,
        });
      }
      const partition = key === null ? keylessPartition : partitionForKey(key, partitions);
      out.push({
        kind: 'output',
        seq: env.seq,
        output: { topic: node.topic, partition, timestamp: record.timestamp, key, value, report: report && ((position) => report(record, position)) },
      });
    });
}
