/**
 * Turns values into bytes and back. `null` stays `null` in both directions (Kafka tombstones), so a serde only
 * ever sees real values. `topic` lets a serde pick a schema per topic.
 */
export interface Serde<T> {
  serialize(value: T, topic: string): Buffer;
  deserialize(data: Buffer, topic: string): T;
}
