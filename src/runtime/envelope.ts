import { StreamsError } from '../errors/streams-error';
import { FailureStage } from '../dsl/error-handling';
import { LogRecord, OutgoingRecord, StreamRecord } from './records';

/**
 * What flows through a task's pipeline. Records are transformed by the operators; outputs (made by sinks) and
 * failures pass every later operator untouched and are dealt with at one boundary (`handleFailures`), so an error in
 * one record never tears down the stream of the others.
 */
export type Envelope =
  | { kind: 'record'; record: StreamRecord<unknown, unknown> }
  | { kind: 'output'; output: OutgoingRecord }
  | { kind: 'failure'; stage: FailureStage; node: string; error: StreamsError; source: LogRecord };
