import { StreamsError } from '../core/errors/streams-error';
import { LogRecord } from '../core/records';

/** Where a record failed: decoding its bytes, in a user function, or encoding an output. */
export type FailureStage = 'deserialization' | 'processing' | 'production';

/**
 * What to do with a record that failed: `fail` stops the task (the batch is not committed, so nothing is lost and
 * the record is retried on restart); `dead-letter` writes the original bytes and the error to the dead-letter topic in
 * the same transaction and goes on. A function decides per error.
 */
export type ErrorPolicy = 'fail' | 'dead-letter' | ((error: StreamsError, record: LogRecord) => 'fail' | 'dead-letter');

export interface ErrorHandling {
  deserialization: ErrorPolicy;
  processing: ErrorPolicy;
  production: ErrorPolicy;
  /** Defaults to `<app>-dead-letter`. */
  deadLetterTopic: string;
}

export function defaultErrorHandling(applicationId: string, given: Partial<ErrorHandling> = {}): ErrorHandling {
  return {
    deserialization: given.deserialization ?? 'fail',
    processing: given.processing ?? 'fail',
    production: given.production ?? 'fail',
    deadLetterTopic: given.deadLetterTopic ?? `${applicationId}-dead-letter`,
  };
}

export function usesDeadLetters(h: ErrorHandling): boolean {
  return [h.deserialization, h.processing, h.production].some((p) => p !== 'fail');
}
