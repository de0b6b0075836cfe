import type { Topology } from '../dsl/topology';
import type { TopicPartition } from '../core/records';
import type { StateRestoreListener } from '../state/restore-listener';

export interface RestoreProgressOptions {
  /** Where the lines go (the CLI: stderr). */
  write: (line: string) => void;
  /** At most one progress line per restore this often, in ms (default 1000); the start and end lines always print. */
  intervalMs?: number;
  now?: () => number;
}

interface Restore {
  from: number;
  to: number;
  startedAt: number;
  restored: number;
  /** When the last line was written, and how many records had been restored then. */
  lineAt: number;
  lineRestored: number;
}

const count = (n: number) => n.toLocaleString('en-US');
const rate = (records: number, ms: number) => `${count(ms > 0 ? Math.round((records * 1000) / ms) : records)} records/s`;
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/**
 * A restore listener that writes what a person watching a terminal wants to know: which task's store is being
 * restored, how far it is (changelog records done / total), and how fast (records/s over the last line's
 * interval), at most one line per second per store. `topology run` prints them on stderr:
 *
 *     payment-0: restoring store transfer-dedupe from wallet-transfer-dedupe-changelog[0]: 250,000 records
 *     payment-0: store transfer-dedupe 118,000/250,000 records (47%), 117,800 records/s
 *     payment-0: store transfer-dedupe is up to date: 249,900 records replayed in 2.1 s (119,000 records/s)
 *
 * "Total" is the changelog's span of offsets, which counts transaction markers too; the end line says how many
 * records were replayed. (The word "restored" is left to the task's JSON log line, which tools look for.)
 */
export function restoreProgress(topology: Topology, options: RestoreProgressOptions): StateRestoreListener {
  const intervalMs = options.intervalMs ?? 1000;
  const now = options.now ?? Date.now;
  const restores = new Map<string, Restore>();
  const key = (tp: TopicPartition, store: string) => `${store}\u0000${tp.topic}\u0000${tp.partition}`;
  // A store's changelog partition p holds the state of task <sub-topology>-p.
  const task = (tp: TopicPartition, store: string) => {
    const sub = topology.subTopologies.find((s) => s.stores.some((st) => st.name === store));
    return sub ? `${sub.name}-${tp.partition}` : `${store}[${tp.partition}]`;
  };
  return {
    onRestoreStart(tp, store, from, to) {
      const at = now();
      restores.set(key(tp, store), { from, to, startedAt: at, restored: 0, lineAt: at, lineRestored: 0 });
      const where = from > 0 ? ` from offset ${count(from)}` : '';
      options.write(`${task(tp, store)}: restoring store ${store} from ${tp.topic}[${tp.partition}]${where}: ${count(to - from)} records`);
    },
    onBatchRestored(tp, store, batchEndOffset, numRestored) {
      const r = restores.get(key(tp, store));
      if (!r) return;
      r.restored += numRestored;
      const at = now();
      if (at - r.lineAt < intervalMs) return;
      const total = r.to - r.from;
      const done = Math.min(total, batchEndOffset + 1 - r.from);
      const percent = total > 0 ? Math.floor((done * 100) / total) : 100;
      options.write(`${task(tp, store)}: store ${store} ${count(done)}/${count(total)} records (${percent}%), ${rate(r.restored - r.lineRestored, at - r.lineAt)}`);
      r.lineAt = at;
      r.lineRestored = r.restored;
    },
    onRestoreEnd(tp, store, totalRestored) {
      const r = restores.get(key(tp, store));
      restores.delete(key(tp, store));
      const took = r ? now() - r.startedAt : 0;
      options.write(`${task(tp, store)}: store ${store} is up to date: ${count(totalRestored)} records replayed in ${seconds(took)} (${rate(totalRestored, took)})`);
    },
  };
}
