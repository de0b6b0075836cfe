import { ErrorHandling, ErrorPolicy } from '../../dsl/error-handling';
import { StreamsError } from '../../core/errors/streams-error';
import { LogRecord, OutgoingRecord } from '../../core/records';
import { Envelope } from '../envelope';

/**
 * The one error boundary of a task: each failure is either turned into a dead letter (the original bytes plus the
 * error, written in the same transaction as the batch's outputs, so nothing is lost) or thrown, which fails the batch
 * before anything is committed. Returns the batch's outputs in order.
 */
export function handleFailures(errors: ErrorHandling, partitions: number): (batch: Envelope[]) => OutgoingRecord[] {
  return (batch) => {
    const outputs: OutgoingRecord[] = [];
    for (const env of batch) {
      if (env.kind === 'output') outputs.push(env.output);
      else if (env.kind === 'failure') {
        const policy: ErrorPolicy = errors[env.stage];
        const decision = typeof policy === 'function' ? policy(env.error, env.source) : policy;
        if (decision === 'fail') throw env.error;
        outputs.push(deadLetter(errors.deadLetterTopic, partitions, env.stage, env.node, env.error, env.source));
      }
    }
    return outputs;
  };
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
