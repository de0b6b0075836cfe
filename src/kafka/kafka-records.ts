import { KafkaMessage, Message } from 'kafkajs';
import { Headers, LogRecord, OutgoingRecord } from '../runtime/records';

export function fromKafkaMessage(topic: string, partition: number, m: KafkaMessage): LogRecord {
  const headers: Headers = {};
  for (const [name, value] of Object.entries(m.headers ?? {})) {
    const v = Array.isArray(value) ? value[value.length - 1] : value;
    if (v !== undefined) headers[name] = Buffer.isBuffer(v) ? v : Buffer.from(String(v));
  }
  return { topic, partition, offset: Number(m.offset), timestamp: Number(m.timestamp), key: m.key ?? null, value: m.value ?? null, headers };
}

export function toKafkaMessage(r: OutgoingRecord): Message {
  return { key: r.key, value: r.value, partition: r.partition, timestamp: String(r.timestamp), headers: r.headers };
}
