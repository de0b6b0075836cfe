import { Kafka, logLevel, LogEntry } from './kafkajs';
import { Logger, silentLogger } from '../core/logger';

export const DEFAULT_BROKERS = 'localhost:9092';

/** `--brokers` / KAFKA_BROKERS: comma-separated host:port list. */
export function parseBrokers(value: string | undefined): string[] {
  return (value ?? process.env.KAFKA_BROKERS ?? DEFAULT_BROKERS)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * The one place that builds a kafkajs client. kafkajs logs routine retries (a coordinator loading, a rebalance) at
 * ERROR; they are passed to our logger at debug/warn so real failures, which surface as thrown errors, stand out.
 */
export function createKafka(brokers: string[], clientId: string, logger: Logger = silentLogger, opts: { retries?: number; connectionTimeout?: number } = {}): Kafka {
  return new Kafka({
    clientId,
    brokers,
    logLevel: logLevel.WARN,
    retry: { initialRetryTime: 100, retries: opts.retries ?? 8 },
    connectionTimeout: opts.connectionTimeout ?? 3000,
    logCreator:
      () =>
      ({ level, log }: LogEntry) => {
        const { message, ...extra } = log;
        if (level <= logLevel.WARN) logger.debug({ kafkajs: extra }, `kafkajs: ${message}`);
      },
  });
}

/** Walks an error's cause chain for a kafkajs protocol error type (e.g. INVALID_PRODUCER_EPOCH). */
export function kafkaErrorTypes(err: unknown): string[] {
  const types: string[] = [];
  for (let e: any = err, depth = 0; e && depth < 6; depth++) {
    if (typeof e.type === 'string') types.push(e.type);
    e = e.originalError ?? e.cause;
  }
  return types;
}

/** A newer producer with the same transactional id took over: this one must stop writing, for good. */
export function isFenced(err: unknown): boolean {
  return kafkaErrorTypes(err).some((t) => t === 'INVALID_PRODUCER_EPOCH' || t === 'PRODUCER_FENCED');
}

const TRANSIENT = ['CONCURRENT_TRANSACTIONS', 'COORDINATOR_LOAD_IN_PROGRESS', 'NOT_COORDINATOR', 'COORDINATOR_NOT_AVAILABLE', 'REQUEST_TIMED_OUT', 'NOT_LEADER_FOR_PARTITION'];

/**
 * kafkajs errors it types as final once its own retries ran out, though a later attempt succeeds: a group coordinator
 * not found while a broker restarts (the chaos run's broker kills hit it on commits).
 */
const TRANSIENT_NAMES = ['KafkaJSGroupCoordinatorNotFound'];

/** kafkajs marks most transient errors `retriable`; CONCURRENT_TRANSACTIONS and coordinator moves are added here. */
export function isRetriable(err: unknown): boolean {
  for (let e: any = err, depth = 0; e && depth < 6; depth++) {
    if (e.retriable === true || TRANSIENT_NAMES.includes(e.name)) return true;
    e = e.originalError ?? e.cause;
  }
  return kafkaErrorTypes(err).some((t) => TRANSIENT.includes(t));
}
