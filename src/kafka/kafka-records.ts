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
  // Per topic, per partition: the next offset to hand out (no string key per record: batches hold thousands).
  const next = new Map<string, number[]>();
  for (const m of meta) {
    const offsets = next.get(m.topicName) ?? [];
    offsets[m.partition] = Number(m.baseOffset);
    next.set(m.topicName, offsets);
  }
  return records.map((r) => {
    const offsets = next.get(r.topic);
    const offset = offsets?.[r.partition];
    if (offsets === undefined || offset === undefined || Number.isNaN(offset)) {
      throw new StreamsError(`${who}: the broker reported no offset for ${r.topic}-${r.partition}`, { code: 'COMMIT_PROTOCOL' });
    }
    offsets[r.partition] = offset + 1;
    return { partition: r.partition, offset };
  });
}
