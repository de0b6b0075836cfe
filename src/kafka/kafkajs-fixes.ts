/**
 * Fixes to kafkajs that must be in place before kafkajs loads (imported for its effect, first, by kafkajs.ts).
 *
 * - `groupMessagesPerPartition` copies the partition's array for every message (`[...current, message]`): quadratic
 *   in the messages per partition of one produce request. With 5,000-record transactions it took 13 % of a task
 *   process's CPU (node --cpu-prof of `topology run --all`). It is replaced by a linear version with the same result.
 *   The fix only applies when kafkajs was not loaded before; otherwise kafkajs works as shipped (just slower).
 */
import Module from 'node:module';

type Partitioner = (args: { topic: string; partitionMetadata: unknown[]; message: unknown }) => number;

export function groupMessagesPerPartition({ topic, partitionMetadata, messages, partitioner }: { topic: string; partitionMetadata: unknown[]; messages: unknown[]; partitioner: Partitioner }) {
  const result: Record<number, unknown[]> = {};
  if (partitionMetadata.length === 0) return result;
  for (const message of messages) {
    const partition = partitioner({ topic, partitionMetadata, message });
    (result[partition] ??= []).push(message);
  }
  return result;
}

function replaceModule(request: string, exports: unknown): void {
  const filename = require.resolve(request);
  if (require.cache[filename]) return; // already loaded by someone: leave it
  const replacement = new Module(filename);
  replacement.filename = filename;
  replacement.loaded = true;
  replacement.exports = exports;
  require.cache[filename] = replacement;
}

replaceModule('kafkajs/src/producer/groupMessagesPerPartition.js', groupMessagesPerPartition);

/** Whether the fixes are in the kafkajs that was loaded (for tests). */
export function kafkajsFixesApplied(): boolean {
  return require('kafkajs/src/producer/groupMessagesPerPartition.js') === groupMessagesPerPartition;
}
