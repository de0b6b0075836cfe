import { StreamsError } from '../core/errors/streams-error';
import { LogRecord, OutgoingRecord, StreamRecord } from '../core/records';
import { FailureStage } from '../dsl/error-handling';

/**
 * What flows through a task's batch operators. Records are transformed by the operators; outputs (made by sinks) and
 * failures pass every later operator untouched and are dealt with at one boundary (`handleFailures`), so an error in
 * one record never stops the others.
 *
 * `seq` is the position of the source record in the task's batch: every envelope derived from it keeps it, which is
 * how branches of a fan-out are merged back into the order a record-at-a-time run would have produced. `time` is the
 * task's stream time as of that source record (stateful operators stamp state with it, not with the batch's end).
 */
export type Envelope =
  | { kind: 'record'; seq: number; time: number; record: StreamRecord<unknown, unknown> }
  | { kind: 'output'; seq: number; output: OutgoingRecord }
  | { kind: 'failure'; seq: number; stage: FailureStage; node: string; error: StreamsError; source: LogRecord };

export type RecordEnvelope = Extract<Envelope, { kind: 'record' }>;
