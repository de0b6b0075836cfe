import { createHash } from 'node:crypto';
import { StreamsError } from '../core/errors/streams-error';

/**
 * What a task's local state has seen, written in the same RocksDB batch as the store changes it describes.
 * `changelog` maps a changelog topic to the next offset to replay from; `source` maps `topic-partition` to the next
 * source offset (informational: the log's committed consumer offset is what a restarted task resumes from).
 */
export interface Checkpoint {
  version: 1;
  source: Record<string, number>;
  changelog: Record<string, number>;
  /**
   * The task's stream time when the batch committed: a restarted task resumes from it, so stream time never goes
   * back (dedupe stamps and purges by it). Absent in checkpoints written before it was kept (then 0).
   */
  streamTime?: number;
  /**
   * Per changelog topic, the last record the local state is known to hold (its offset and `recordDigest`): the
   * changelog's identity. A changelog deleted and recreated holds something else at that offset once it has grown
   * past it, which its offsets alone cannot show. Absent in checkpoints written before it was kept.
   */
  anchors?: Record<string, ChangelogAnchor>;
}

export interface ChangelogAnchor {
  offset: number;
  digest: string;
}

/** A short fingerprint of one changelog record (key and value, lengths included so no two splits collide). */
export function recordDigest(key: Buffer | null, value: Buffer | null): string {
  const hash = createHash('sha1');
  for (const part of [key, value]) {
    const len = Buffer.alloc(4);
    len.writeInt32BE(part === null ? -1 : part.length);
    hash.update(len);
    if (part !== null) hash.update(part);
  }
  return hash.digest('base64').slice(0, 16);
}

/**
 * How far a checkpoint's state has read its changelogs, as one number (the sum of its changelog offsets): what an
 * instance reports to the group's assignor as the warmth of its copy of a task.
 */
export function changelogPosition(c: Checkpoint): number {
  return Object.values(c.changelog).reduce((sum, offset) => sum + offset, 0);
}

export const CHECKPOINT_KEY = Buffer.from('c\u0000checkpoint', 'latin1');

export function emptyCheckpoint(): Checkpoint {
  return { version: 1, source: {}, changelog: {} };
}

export function encodeCheckpoint(c: Checkpoint): Buffer {
  return Buffer.from(JSON.stringify(c));
}

export function decodeCheckpoint(bytes: Buffer, where: string): Checkpoint {
  try {
    const parsed = JSON.parse(bytes.toString('utf8')) as Checkpoint;
    if (parsed.version !== 1 || typeof parsed.changelog !== 'object' || typeof parsed.source !== 'object') {
      throw new Error(`unsupported checkpoint ${bytes.toString('utf8').slice(0, 80)}`);
    }
    return parsed;
  } catch (cause) {
    throw new StreamsError(`checkpoint of ${where} is unreadable`, { code: 'CHECKPOINT_CORRUPT', cause });
  }
}
