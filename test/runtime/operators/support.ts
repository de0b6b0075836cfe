import { LogRecord } from '../../../src/core/records';
import { Envelope, RecordEnvelope } from '../../../src/runtime/envelope';

/** A record envelope at batch position `seq` with value `value` (and a source record naming that position). */
export function rec(seq: number, value: unknown): RecordEnvelope {
  const source: LogRecord = { topic: 't', partition: 0, offset: seq, timestamp: 0, key: null, value: null, headers: {} };
  return { kind: 'record', seq, time: 0, record: { key: null, value, timestamp: 0, headers: {}, source } };
}

/** What a batch holds, compactly: `seq:value` for records, `seq:out` and `seq:fail` for the others. */
export function shape(batch: Envelope[]): string[] {
  return batch.map((e) => `${e.seq}:${e.kind === 'record' ? String(e.record.value) : e.kind === 'output' ? 'out' : 'fail'}`);
}
