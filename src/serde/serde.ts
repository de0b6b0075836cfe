/**
 * Turns values into bytes and back. `null` stays `null` in both directions (Kafka tombstones), so a serde only
 * ever sees real values. `topic` lets a serde pick a schema per topic.
 *
 * The buffer `serialize` returns belongs to the caller from then on (as a Java serializer's `byte[]` does): the
 * library keeps it in stores and transactions without copying, so a serde must not reuse it for a later value.
 */
export interface Serde<T> {
  serialize(value: T, topic: string): Buffer;
  deserialize(data: Buffer, topic: string): T;
}
