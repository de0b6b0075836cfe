/**
 * Kafka's default partitioner for keyed records: murmur2 of the serialized key, byte-compatible with the Java
 * client (`Utils.murmur2`, seed 0x9747b28c), then `(hash & 0x7fffffff) % partitions`. Using the same function as
 * every other Kafka client keeps records of one key in one partition whoever produces them.
 */
const SEED = 0x9747b28c;
const M = 0x5bd1e995;

export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = (SEED ^ length) | 0;
  const length4 = length & ~3;
  for (let i = 0; i < length4; i += 4) {
    let k = data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  // The tail: up to three bytes, highest first, as the Java client's fall-through switch does.
  const tail = length & 3;
  if (tail === 3) h ^= data[length4 + 2] << 16;
  if (tail >= 2) h ^= data[length4 + 1] << 8;
  if (tail >= 1) {
    h ^= data[length4];
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** The partition Kafka's default partitioner picks for a key. */
export function partitionForKey(key: Uint8Array, partitions: number): number {
  return (murmur2(key) & 0x7fffffff) % partitions;
}
