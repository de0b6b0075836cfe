import { SourceNode } from '../../dsl/nodes';
import { DeserializationError } from '../../core/errors/serialization-error';
import { StreamsError, describeOrigin } from '../../core/errors/streams-error';
import { LogRecord } from '../../core/records';
import { Envelope } from '../envelope';
import { TaskContext } from '../task-context';

/**
 * Decodes a run of source records with the source's serdes and advances stream time record by record (each envelope
 * carries the stream time as of its record). Bytes that do not decode become a failure naming their offset.
 */
export function deserializeBatch(node: SourceNode, ctx: TaskContext): (records: LogRecord[], firstSeq: number) => Envelope[] {
  return (records, firstSeq) => {
    const out: Envelope[] = new Array(records.length);
    for (let i = 0; i < records.length; i++) {
      const source = records[i];
      const seq = firstSeq + i;
      const time = ctx.observe(source.timestamp);
      let part = 'key';
      try {
        const key = source.key === null ? null : node.keySerde.deserialize(source.key, source.topic);
        part = 'value';
        const value = source.value === null ? null : node.valueSerde.deserialize(source.value, source.topic);
        out[i] = { kind: 'record', seq, time, record: { key, value, timestamp: source.timestamp, headers: source.headers, source } };
      } catch (err) {
        // Not the record's fault (a schema registry out of reach): fail the batch, uncommitted, for a restart to retry.
        if (err instanceof StreamsError && err.retriable) throw err;
        const reason = err instanceof Error ? err.message : String(err);
        const error = new DeserializationError(`cannot decode the ${part} of record ${describeOrigin(source)} with source '${node.name}': ${reason}`, {
          code: err instanceof DeserializationError ? err.code : 'DESERIALIZATION_FAILED',
          cause: err,
        });
        Object.assign(error, { origin: { topic: source.topic, partition: source.partition, offset: source.offset } });
        out[i] = { kind: 'failure', seq, stage: 'deserialization', node: node.name, error, source };
      }
    }
    return out;
  };
}
