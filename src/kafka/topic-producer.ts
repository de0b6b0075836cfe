import { Kafka, Producer, explicitPartitioner } from './kafkajs';
import { Topology } from '../dsl/topology';
import { Serde } from '../serde/serde';
import { StreamsError } from '../core/errors/streams-error';
import { partitionForKey } from '../runtime/murmur2';
import { OutgoingRecord } from '../core/records';
import { recordPositions, toKafkaMessage } from './kafka-records';
import { SchemaRegistryOption, resolveSchemaRegistry, serdeUsesSchemaRegistry } from './schema-registry-setup';

export interface ProducerRecord<K, V> {
  key?: K;
  value: V;
  timestamp?: number;
}

/** The serdes the topology uses for a topic: of the source that reads it, else of a sink that writes it. */
export function topicSerdes(topology: Topology, topic: string): { key: Serde<any>; value: Serde<any> } {
  for (const sub of topology.subTopologies) {
    const node = sub.sources.find((s) => s.topic === topic) ?? sub.sinks.find((s) => s.topic === topic);
    if (node) return { key: node.keySerde, value: node.valueSerde };
  }
  const known = topology.topics().filter((t) => t.roles.includes('source') || t.roles.includes('sink')).map((t) => t.name);
  throw new StreamsError(`topic ${topic} is not read or written by topology ${topology.applicationId} (topics: ${known.join(', ')})`, { code: 'UNKNOWN_TOPIC' });
}

/**
 * Encodes records exactly as the topology expects them on a topic (its serdes, murmur2 partitioning by the
 * serialized key, as the Java client does), so a service can feed a topology without knowing its wire format.
 */
export class TopicEncoder<K, V> {
  private readonly serdes: { key: Serde<K>; value: Serde<V> };
  readonly partitions: number;

  constructor(
    topology: Topology,
    readonly topic: string,
    private readonly keyOf?: (value: V) => K,
    partitions?: number,
  ) {
    this.serdes = topicSerdes(topology, topic);
    this.partitions = topology.partitionsOf(topic, partitions);
  }

  /** Throws (SerializationError naming the field) before anything is sent. */
  encode(record: ProducerRecord<K, V>): OutgoingRecord {
    const key = record.key ?? this.keyOf?.(record.value);
    const keyBytes = key === undefined || key === null ? null : this.serdes.key.serialize(key, this.topic);
    const value = this.serdes.value.serialize(record.value, this.topic);
    return {
      topic: this.topic,
      partition: keyBytes === null ? 0 : partitionForKey(keyBytes, this.partitions),
      timestamp: record.timestamp ?? Date.now(),
      key: keyBytes,
      value,
    };
  }
}

interface Waiting {
  record: OutgoingRecord;
  resolve: (position: { partition: number; offset: number }) => void;
  reject: (err: unknown) => void;
}

/** A send failed: the broker may or may not have appended the records (a lost reply looks like a failure). */
export class ProduceOutcomeUnknownError extends StreamsError {
  constructor(topic: string, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`send to ${topic} failed, so it may or may not have been written (${reason}); retry it with the same key (idempotency) if the reader dedupes`, { code: 'PRODUCE_OUTCOME_UNKNOWN', retriable: true, cause });
  }
}

/**
 * A typed, idempotent producer for one topic of a topology. `createProducer` connects one.
 *
 * After a failed send the kafkajs producer is retired and a new one (a new producer id) takes its place: kafkajs
 * rolls a partition's sequence number back on any send error, even when the broker did append the batch and only
 * the reply was lost, so the next batch would reuse that sequence and the broker would acknowledge it as a duplicate
 * of the earlier one — at the earlier offset, without writing it.
 */
export class TopicProducer<K, V> {
  private queue: Waiting[] = [];
  private flushing = false;

  private constructor(
    private readonly kafka: Kafka,
    /** The producer in use; none after a failed send, until the next send connects a new one. */
    private producer: Producer | undefined,
    readonly encoder: TopicEncoder<K, V>,
  ) {}

  private connecting?: Promise<Producer>;

  /**
   * `schemaRegistry`: the topic's value serde looks up its schema id there (once, now) and writes the Confluent wire
   * format; without it, Avro values are written in single-object encoding.
   */
  static async connect<K, V>(kafka: Kafka, topology: Topology, topic: string, opts: { key?: (value: V) => K; partitions?: number; schemaRegistry?: SchemaRegistryOption } = {}): Promise<TopicProducer<K, V>> {
    const encoder = new TopicEncoder<K, V>(topology, topic, opts.key, opts.partitions);
    await serdeUsesSchemaRegistry(topicSerdes(topology, topic).value, resolveSchemaRegistry(opts.schemaRegistry), [topic]);
    return new TopicProducer(kafka, await TopicProducer.newProducer(kafka), encoder);
  }

  private static async newProducer(kafka: Kafka): Promise<Producer> {
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: explicitPartitioner });
    await producer.connect();
    return producer;
  }

  /** Encodes every record first (all or none are sent), then produces with acks=all. */
  async send(records: Array<ProducerRecord<K, V>>): Promise<Array<{ partition: number; offset: number }>> {
    return this.sendEncoded(records.map((r) => this.encoder.encode(r)));
  }

  /**
   * One record, sent together with whatever other callers queued meanwhile: an idempotent kafkajs producer keeps one
   * request in flight, so records that arrive while a send is out go in the next one (one request, many records).
   * Resolves when its record is acknowledged by all in-sync replicas.
   */
  sendOne(record: ProducerRecord<K, V>): Promise<{ partition: number; offset: number }> {
    const encoded = this.encoder.encode(record); // encoding errors belong to this caller alone
    return new Promise((resolve, reject) => {
      this.queue.push({ record: encoded, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, 1000);
        try {
          const positions = await this.sendEncoded(batch.map((w) => w.record));
          batch.forEach((w, i) => w.resolve(positions[i]));
        } catch (err) {
          for (const w of batch) w.reject(err);
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  private async sendEncoded(encoded: OutgoingRecord[]): Promise<Array<{ partition: number; offset: number }>> {
    const producer = await this.current();
    let meta;
    try {
      meta = await producer.send({ topic: this.encoder.topic, acks: -1, messages: encoded.map(toKafkaMessage) });
    } catch (err) {
      // Retired: its sequence numbers can no longer be trusted (see the class comment). The next send connects anew.
      this.producer = undefined;
      void producer.disconnect().catch(() => undefined);
      throw new ProduceOutcomeUnknownError(this.encoder.topic, err);
    }
    return recordPositions(encoded, meta, `producer for ${this.encoder.topic}`);
  }

  /** The producer in use, connecting a replacement (once, whoever asks) after a retirement. */
  private async current(): Promise<Producer> {
    if (this.producer) return this.producer;
    this.connecting ??= TopicProducer.newProducer(this.kafka).finally(() => (this.connecting = undefined));
    this.producer = await this.connecting;
    return this.producer;
  }

  async close(): Promise<void> {
    await this.connecting?.catch(() => undefined);
    await this.producer?.disconnect();
    this.producer = undefined;
  }
}

export const createProducer = TopicProducer.connect;
