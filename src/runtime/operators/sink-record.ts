import { OperatorFunction } from 'rxjs';
import { SinkNode } from '../../dsl/nodes';
import { SerializationError } from '../../errors/serialization-error';
import { describeOrigin } from '../../errors/streams-error';
import { Envelope } from '../envelope';
import { partitionForKey } from '../murmur2';
import { TaskContext } from '../task-context';
import { onRecords } from './on-records';

/** Serializes a record for its topic and picks the partition with murmur2 of the key bytes, as Kafka clients do. */
export function sinkRecord(node: SinkNode, ctx: TaskContext): OperatorFunction<Envelope, Envelope> {
  const partitions = ctx.topology.partitionsOf(node.topic, ctx.partitions);
  return onRecords(node.name, (record) => {
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
    // Keyless records stay in the source partition's lane, so their order with respect to it is kept.
    const partition = key === null ? ctx.partition % partitions : partitionForKey(key, partitions);
    const report = node.report;
    return [
      {
        kind: 'output',
        output: { topic: node.topic, partition, timestamp: record.timestamp, key, value, report: report && ((position) => report(record, position)) },
      },
    ];
  });
}
