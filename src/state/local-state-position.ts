import { existsSync } from 'node:fs';
import { CHECKPOINT_KEY, changelogPosition, decodeCheckpoint } from './checkpoint';
import { RocksDbKeyValueStore } from './rocksdb-key-value-store';

/**
 * How far a task's local state has read its changelogs: the sum of its checkpoint's changelog offsets, or undefined
 * when the task has no state in `dir`. What an instance reports when it joins the application's group, so the
 * assignor can give a task to the instance that has to replay the least (Kafka Streams' KIP-441).
 * A state directory locked by a running task is not opened: the caller knows that task's position from the task.
 */
export async function localStatePosition(dir: string): Promise<number | undefined> {
  if (!existsSync(dir)) return undefined;
  let storage: RocksDbKeyValueStore | undefined;
  try {
    storage = await RocksDbKeyValueStore.open(dir);
    const bytes = await storage.get(CHECKPOINT_KEY);
    if (bytes === undefined) return undefined;
    return changelogPosition(decodeCheckpoint(bytes, dir));
  } catch {
    return undefined; // locked or unreadable: no claim to warm state
  } finally {
    await storage?.close().catch(() => undefined);
  }
}
