import { OperatorFunction, concatMap } from 'rxjs';
import { ErrorHandling, ErrorPolicy } from '../../dsl/error-handling';
import { StreamsError } from '../../errors/streams-error';
import { Envelope } from '../envelope';
import { LogRecord, OutgoingRecord } from '../records';

/**
 * The one error boundary of a task: each failure envelope is either turned into a dead letter (the original bytes
 * plus the error, written in the same transaction as the batch's outputs, so nothing is lost) or raised as the
 * stream's error, which fails the batch before anything is committed.
 */
export function handleFailures(errors: ErrorHandling, partitions: number): OperatorFunction<Envelope, Envelope> {
  return concatMap((env: Envelope) => {
    if (env.kind !== 'failure') return [env];
    const policy: ErrorPolicy = errors[env.stage];
    const decision = typeof policy === 'function' ? policy(env.error, env.source) : policy;
    if (decision === 'fail') throw env.error;
    return [{ kind: 'output', output: deadLetter(errors.deadLetterTopic, partitions, env.stage, env.node, env.error, env.source) } as Envelope];
  });
}

export function deadLetter(topic: string, partitions: number, stage: string, node: string, error: StreamsError, source: LogRecord): OutgoingRecord {
  const h = (s: string | number) => Buffer.from(String(s), 'utf8');
  return {
    topic,
    partition: source.partition % partitions,
    timestamp: source.timestamp,
    key: source.key,
    value: source.value,
    headers: {
      ...source.headers,
      'error.stage': h(stage),
      'error.node': h(node),
      'error.code': h(error.code),
      'error.message': h(error.message),
      'source.topic': h(source.topic),
      'source.partition': h(source.partition),
      'source.offset': h(source.offset),
    },
  };
}
