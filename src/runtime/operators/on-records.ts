import { OperatorFunction, concatAll, concatMap, from } from 'rxjs';
import { Envelope } from '../envelope';
import { StreamRecord } from '../records';
import { ProcessingError } from '../../errors/processing-error';
import { DeserializationError, SerializationError } from '../../errors/serialization-error';

type Out = Envelope[] | Promise<Envelope[]>;

/**
 * The shape of every record operator: records go through `fn`, in order, one at a time (concatMap keeps a
 * partition's order even when `fn` awaits a store); outputs and failures pass through untouched. A record-level
 * error (a user function, a serde) becomes a failure envelope for the error boundary; anything else (a store that
 * cannot be read) errors the stream and fails the task.
 */
export function onRecords(node: string, fn: (record: StreamRecord<unknown, unknown>) => Out): OperatorFunction<Envelope, Envelope> {
  return concatMap((env: Envelope) => {
    if (env.kind !== 'record') return [env];
    try {
      const out = fn(env.record);
      return Array.isArray(out) ? out : from(out.catch((err) => asFailure(node, env.record, err))).pipe(concatAll());
    } catch (err) {
      return asFailure(node, env.record, err);
    }
  });
}

function asFailure(node: string, record: StreamRecord<unknown, unknown>, err: unknown): Envelope[] {
  if (err instanceof ProcessingError) return [{ kind: 'failure', stage: 'processing', node, error: err, source: record.source }];
  if (err instanceof SerializationError) return [{ kind: 'failure', stage: 'production', node, error: err, source: record.source }];
  if (err instanceof DeserializationError) return [{ kind: 'failure', stage: 'processing', node, error: err, source: record.source }];
  throw err;
}

/** Runs a user function; what it throws becomes a ProcessingError naming the node and the record. */
export function callUser<T>(node: string, record: StreamRecord<unknown, unknown>, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw new ProcessingError(node, record.source, err);
  }
}

export async function callUserAsync<T>(node: string, record: StreamRecord<unknown, unknown>, fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw new ProcessingError(node, record.source, err);
  }
}

/** A new record derived from `record`: same timestamp, headers and source. */
export function derive(record: StreamRecord<unknown, unknown>, key: unknown, value: unknown): Envelope {
  return { kind: 'record', record: { key, value, timestamp: record.timestamp, headers: record.headers, source: record.source } };
}
