import { KafkaMessage, Message } from './kafkajs';
import { Headers, LogRecord, OutgoingRecord } from '../core/records';
import { StreamsError } from '../core/errors/streams-error';

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

export interface ProduceResult {
  topicName: string;
  partition: number;
  baseOffset?: string;
}

/**
 * The offset of each record of one produce request: kafkajs reports a base offset per partition, and records of a
 * partition are appended in the order given.
 */
export function recordPositions(records: Array<{ topic: string; partition: number }>, meta: ProduceResult[], who: string): Array<{ partition: number; offset: number }> {
  const base = new Map(meta.map((m) => [`${m.topicName}-${m.partition}`, Number(m.baseOffset)]));
  const seen = new Map<string, number>();
  return records.map((r) => {
    const key = `${r.topic}-${r.partition}`;
    const index = seen.get(key) ?? 0;
    seen.set(key, index + 1);
    const b = base.get(key);
    if (b === undefined || Number.isNaN(b)) throw new StreamsError(`${who}: the broker reported no offset for ${key}`, { code: 'COMMIT_PROTOCOL' });
    return { partition: r.partition, offset: b + index };
  });
}
