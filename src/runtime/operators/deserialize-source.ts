import { OperatorFunction, map } from 'rxjs';
import { SourceNode } from '../../dsl/nodes';
import { DeserializationError } from '../../errors/serialization-error';
import { describeOrigin } from '../../errors/streams-error';
import { Envelope } from '../envelope';
import { LogRecord } from '../records';
import { TaskContext } from '../task-context';

/** Decodes a log record with the source's serdes; bytes that do not decode become a failure naming their offset. */
export function deserializeSource(node: SourceNode, ctx: TaskContext): OperatorFunction<LogRecord, Envelope> {
  return map((source: LogRecord): Envelope => {
    ctx.observe(source.timestamp);
    let part = 'key';
    try {
      const key = source.key === null ? null : node.keySerde.deserialize(source.key, source.topic);
      part = 'value';
      const value = source.value === null ? null : node.valueSerde.deserialize(source.value, source.topic);
      return { kind: 'record', record: { key, value, timestamp: source.timestamp, headers: source.headers, source } };
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      const error = new DeserializationError(`cannot decode the ${part} of record ${describeOrigin(source)} with source '${node.name}': ${reason}`, {
        code: err instanceof DeserializationError ? err.code : 'DESERIALIZATION_FAILED',
        cause: err,
      });
      Object.assign(error, { origin: { topic: source.topic, partition: source.partition, offset: source.offset } });
      return { kind: 'failure', stage: 'deserialization', node: node.name, error, source };
    }
  });
}
