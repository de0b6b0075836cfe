/**
 * topology-streams: a Kafka Streams-style stream-processing library for TypeScript.
 * Public API; the in-memory test driver is in the `topology-streams/testing` entry.
 */
export * from './dsl';
export * from './core/errors';
export * from './serde';
export { StreamRecord, KeyValue, LogRecord, OutgoingRecord, TopicPartition, Headers } from './core/records';
export { partitionForKey, murmur2 } from './runtime/murmur2';
export { Task, TaskOptions, BatchOutcome } from './runtime/task';
export { TaskLog, TransactionRequest, TransactionResult, SourceOffset } from './runtime/task-log';
export { CommitPoint, CommitState } from './runtime/commit';
export { Logger, createLogger } from './core/logger';
export { KeyValueStore, WriteOp, Entry, KeyRange } from './state/key-value-store';
export { InMemoryKeyValueStore } from './state/in-memory-key-value-store';
export { RocksDbKeyValueStore } from './state/rocksdb-key-value-store';
export { TypedStore } from './state/typed-store';
export type { StateRestoreListener } from './state/restore-listener';
export { KafkaTaskRunner, KafkaTaskRunnerOptions } from './kafka/kafka-task-runner';
export { TopicProducer, TopicEncoder, createProducer, ProducerRecord, topicSerdes } from './kafka/topic-producer';
export { TopicView } from './kafka/topic-view';
export { createTopics, requireTopics, inspectTopics, withAdmin } from './kafka/topic-admin';
export { createKafka, parseBrokers } from './kafka/kafka-connection';
export { registerSchemas, useSchemaRegistry, schemaSubjects } from './kafka/schema-registry-setup';
export type { SchemaRegistryOption, SchemaSubject, SchemaRegistration } from './kafka/schema-registry-setup';
export { parseDuration, Duration } from './core/duration';
// For apps that extend the `topology` CLI: a topology module's `cli` export (see README, "Writing a topology").
export { defineCliCommand } from './cli/plugin';
export type { CliPlugin, CliCommand, CliContext, CommonCliArgs } from './cli/plugin';
export { listen } from './cli/listen';
