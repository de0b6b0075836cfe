/**
 * Kafka's murmur2 and its default partitioner for keyed records, written from the Java client's
 * `org.apache.kafka.common.utils.Utils.murmur2` for the chaos checker alone: the checker must not trust the runtime's
 * own copy (src/runtime/murmur2.ts), since a bug there would place records and check them the same wrong way.
 */

const SEED = 0x9747b28c;
const M = 0x5bd1e995;
const R = 24;

/** The 32-bit signed murmur2 hash of `data`, as Java's `Utils.murmur2` returns it. */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = SEED ^ length;
  const whole = length - (length % 4);
  for (let i = 0; i < whole; i += 4) {
    let k = data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24);
    k = Math.imul(k, M);
    k ^= k >>> R;
    k = Math.imul(k, M);
    h = Math.imul(h, M);
    h ^= k;
  }
  // The tail: Java's switch falls through from 3 to 1, so each case adds its byte and the multiply comes last.
  const left = length % 4;
  if (left === 3) h ^= data[whole + 2] << 16;
  if (left >= 2) h ^= data[whole + 1] << 8;
  if (left >= 1) {
    h ^= data[whole];
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** The partition Kafka's default partitioner picks for a UTF-8 string key: `(murmur2 & 0x7fffffff) % partitions`. */
export function partitionForKey(key: string, partitions: number): number {
  return (murmur2(Buffer.from(key, 'utf8')) & 0x7fffffff) % partitions;
}
