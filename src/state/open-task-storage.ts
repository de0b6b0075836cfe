import { join } from 'node:path';
import { StreamsError } from '../core/errors/streams-error';
import { Logger, silentLogger } from '../core/logger';
import { RocksDbKeyValueStore } from './rocksdb-key-value-store';

export function taskStateDir(stateDir: string, applicationId: string, taskId: string): string {
  return join(stateDir, applicationId, taskId);
}

/**
 * Opens a task's RocksDB. RocksDB locks its directory, so a second instance of the task on the same state dir waits
 * for the first to let go (it will once it notices it was fenced) and gives up with a clear message after `waitMs`.
 */
export async function openTaskStorage(dir: string, taskId: string, waitMs = 30_000, logger: Logger = silentLogger): Promise<RocksDbKeyValueStore> {
  const deadline = Date.now() + waitMs;
  for (let warned = false; ; ) {
    try {
      return await RocksDbKeyValueStore.open(dir);
    } catch (err) {
      const locked = err instanceof Error && /lock/i.test(err.message);
      if (!locked) throw err;
      if (Date.now() >= deadline) {
        throw new StreamsError(`state of task ${taskId} at ${dir} is locked by another process (another instance of ${taskId}?)`, { code: 'STATE_LOCKED', retriable: true, cause: err });
      }
      if (!warned) logger.warn({ dir }, `state of ${taskId} is locked by another instance; waiting for it to stop`);
      warned = true;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
