import { strict as assert } from 'node:assert';
import { KafkaJSConnectionError, KafkaJSGroupCoordinatorNotFound, KafkaJSNonRetriableError, KafkaJSProtocolError } from 'kafkajs';
import { isRetriable } from '../../src/kafka/kafka-connection';

/**
 * Which kafkajs errors a task gets past by restarting from its last commit. Found by the chaos run: after a broker
 * restart, a commit failed with "Failed to find group coordinator", which kafkajs types as non-retriable once its own
 * retries ran out, and the task process exited instead of restarting the task.
 */
describe('isRetriable: kafkajs errors a task restart gets past', () => {
  it('a group coordinator not found (a broker restarting) is retriable, also when wrapped', () => {
    // kafkajs' own constructor (its typings declare no arguments; it takes a message like every KafkaJSError).
    const notFound = new (KafkaJSGroupCoordinatorNotFound as unknown as new (message: string) => Error)('Failed to find group coordinator');
    assert.equal(isRetriable(notFound), true);
    assert.equal(isRetriable(new Error('transaction aborted', { cause: notFound })), true);
  });

  it('a lost connection is retriable', () => {
    assert.equal(isRetriable(new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:9092')), true);
  });

  it('coordinator moves and concurrent transactions are retriable; a non-retriable protocol error is not', () => {
    assert.equal(isRetriable(new KafkaJSProtocolError({ type: 'NOT_COORDINATOR', code: 16, retriable: true, message: 'not coordinator' } as never)), true);
    assert.equal(isRetriable(new KafkaJSNonRetriableError('Message was too large')), false);
  });
});
