import { ProcessingError } from '../../core/errors/processing-error';
import { DeserializationError, SerializationError } from '../../core/errors/serialization-error';
import { StreamsError } from '../../core/errors/streams-error';
import { StreamRecord } from '../../core/records';
import { Envelope, RecordEnvelope } from '../envelope';

/**
 * A batch operator: takes a batch's envelopes in order and returns the next ones in order. Stateless operators are
 * synchronous; stateful ones await once per batch (one multi-get), never once per record.
 */
export type BatchStep = (batch: Envelope[]) => Envelope[] | Promise<Envelope[]>;

/**
 * The loop every record operator shares: `fn` sees each record envelope in order and pushes what it makes onto
 * `out`; outputs and failures pass through untouched. A record-level error becomes a failure envelope for the error
 * boundary (and whatever `fn` had pushed for that record is dropped); a library error that is not about the record
 * (a store that cannot be read) fails the batch.
 */
export function eachRecord(node: string, batch: Envelope[], fn: (env: RecordEnvelope, out: Envelope[]) => void): Envelope[] {
  const out: Envelope[] = [];
  for (const env of batch) {
    if (env.kind !== 'record') {
      out.push(env);
      continue;
    }
    const mark = out.length;
    try {
      fn(env, out);
    } catch (err) {
      out.length = mark;
      out.push(asFailure(node, env, err));
    }
  }
  return out;
}

/** The records of a batch (for operators that first collect the keys they will read). */
export function recordsOf(batch: Envelope[]): RecordEnvelope[] {
  return batch.filter((e): e is RecordEnvelope => e.kind === 'record');
}

/**
 * Classifies an error thrown while one record was processed: the library's record-level errors keep their stage,
 * any other library error is not the record's fault (rethrown: the batch fails, nothing is committed), and anything
 * else was thrown by user code.
 */
export function asFailure(node: string, env: RecordEnvelope, err: unknown): Envelope {
  const source = env.record.source;
  if (err instanceof SerializationError) return { kind: 'failure', seq: env.seq, stage: 'production', node, error: err, source };
  if (err instanceof ProcessingError || err instanceof DeserializationError) return { kind: 'failure', seq: env.seq, stage: 'processing', node, error: err, source };
  if (err instanceof StreamsError) throw err;
  return { kind: 'failure', seq: env.seq, stage: 'processing', node, error: new ProcessingError(node, source, err), source };
}

/** A new record envelope derived from `env`: same source, timestamp, headers, position and stream time. */
export function derive(env: RecordEnvelope, key: unknown, value: unknown): Envelope {
  const r = env.record;
  return { kind: 'record', seq: env.seq, time: env.time, record: { key, value, timestamp: r.timestamp, headers: r.headers, source: r.source } };
}

export type AnyRecord = StreamRecord<unknown, unknown>;
