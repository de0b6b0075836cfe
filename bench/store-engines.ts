/**
 * The two RocksDB bindings side by side, A B A B, on what a task does to its store: one write batch per commit,
 * one multi-get per batch of keys (about half of them absent, like new dedupe ids), and a range scan.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KeyValueStore } from '../src/state/key-value-store';
import { RocksDbKeyValueStore } from '../src/state/rocksdb-key-value-store';
import { RocksDbNativeKeyValueStore } from '../src/state/rocksdb-native-key-value-store';

export const ENGINES = {
  rocksdb: (dir: string) => RocksDbKeyValueStore.open(dir),
  'rocksdb-native': (dir: string) => RocksDbNativeKeyValueStore.open(dir),
} as const;

async function measure(open: (dir: string) => Promise<KeyValueStore>, keys: number, batch: number) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-store-'));
  const store = await open(dir);
  const key = (i: number) => Buffer.from(`s\u0000ids\u0000request-${(i * 2654435761) % 4294967296}`);
  const value = Buffer.alloc(8, 1);
  try {
    let t = process.hrtime.bigint();
    for (let i = 0; i < keys; i += batch) await store.write(Array.from({ length: Math.min(batch, keys - i) }, (_, j) => ({ key: key(i + j), value })));
    const writeSec = Number(process.hrtime.bigint() - t) / 1e9;
    // Multi-gets of `batch` keys, half present, half never written.
    const reads = Math.min(keys, 200_000);
    t = process.hrtime.bigint();
    for (let i = 0; i < reads; i += batch) await store.getMany(Array.from({ length: batch }, (_, j) => key(j % 2 ? i + j : keys + i + j)));
    const multiGetSec = Number(process.hrtime.bigint() - t) / 1e9;
    t = process.hrtime.bigint();
    for (let i = 0; i < 20_000; i++) await store.get(key(i * 7));
    const getSec = Number(process.hrtime.bigint() - t) / 1e9;
    t = process.hrtime.bigint();
    const scanned = (await store.range({ limit: 100_000 })).length;
    const scanSec = Number(process.hrtime.bigint() - t) / 1e9;
    return {
      keys,
      batch,
      batchedWritesPerSecond: Math.round(keys / writeSec),
      multiGetKeysPerSecond: Math.round(reads / multiGetSec),
      singleGetsPerSecond: Math.round(20_000 / getSec),
      scanEntriesPerSecond: Math.round(scanned / scanSec),
    };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Both engines, alternating, `rounds` times each; the median of each figure. */
export async function compareStoreEngines(keys = 500_000, batch = 5000, rounds = 2) {
  const runs: Record<string, Array<Awaited<ReturnType<typeof measure>>>> = { rocksdb: [], 'rocksdb-native': [] };
  for (let r = 0; r < rounds; r++) for (const [name, open] of Object.entries(ENGINES)) runs[name].push(await measure(open, keys, batch));
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const summary = Object.fromEntries(
    Object.entries(runs).map(([name, rs]) => [
      name,
      Object.fromEntries((['batchedWritesPerSecond', 'multiGetKeysPerSecond', 'singleGetsPerSecond', 'scanEntriesPerSecond'] as const).map((f) => [f, median(rs.map((x) => x[f]))])),
    ]),
  );
  return { keys, batch, rounds, order: 'A B A B', ...summary };
}

if (process.argv[1]?.endsWith("store-engines.ts")) {
  compareStoreEngines(Number(process.argv[2] ?? 500_000)).then((r) => console.log(JSON.stringify(r, null, 2)));
}
