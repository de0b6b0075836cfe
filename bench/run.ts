/**
 * Benchmarks, JSON on stdout: `npm run bench` (in-process), `npm run bench -- --kafka 127.0.0.1:9092` adds the wallet
 * on a real broker (four task processes) and the transfer API into it. Figures on this 2-core machine are noisy;
 * compare ratios measured in the same run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TopologyTestDriver } from '../src/testing';
import { InMemoryKeyValueStore } from '../src/state/in-memory-key-value-store';
import { RocksDbKeyValueStore } from '../src/state/rocksdb-key-value-store';
import { KeyValueStore } from '../src/state/key-value-store';
import { wallet } from '../topology/wallet';
import { partitionForKey } from '../src/runtime/murmur2';
import { transferRequestSerde } from '../topology/wallet-serdes';
import { benchKafka } from './kafka';
import { transfers } from './workload';

async function driverThroughput(n: number, stateDir?: string) {
  const driver = await TopologyTestDriver.create(wallet, { stateDir, maxBatchSize: 500 });
  const input = transfers(n);
  const rssBefore = process.memoryUsage().rss;
  const start = process.hrtime.bigint();
  // Append everything, then let the tasks drain it in batches (as a consumer that fell behind would).
  for (const t of input) {
    const key = Buffer.from(t.request_id);
    driver.log.append({ topic: 'wallet.transfer_request', partition: partitionForKey(key, 2), key, value: transferRequestSerde.serialize(t, 'wallet.transfer_request'), timestamp: driver.now });
  }
  await driver.process();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const balances = driver.outputTopic('wallet.balance').size;
  await driver.close();
  if (balances !== 2 * n) throw new Error(`expected ${2 * n} balances, got ${balances}`);
  return { transfers: n, seconds: +seconds.toFixed(3), transfersPerSecond: Math.round(n / seconds), rssGrowthMiB: +((process.memoryUsage().rss - rssBefore) / 2 ** 20).toFixed(1) };
}

async function storeThroughput(store: KeyValueStore, n: number) {
  const key = (i: number) => Buffer.from(`s\u0000balance\u0000account-${i % 5000}`);
  const value = Buffer.alloc(64, 1);
  let start = process.hrtime.bigint();
  for (let i = 0; i < n; i += 500) await store.write(Array.from({ length: 500 }, (_, j) => ({ key: key(i + j), value })));
  const writeSec = Number(process.hrtime.bigint() - start) / 1e9;
  start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await store.get(key(i));
  const readSec = Number(process.hrtime.bigint() - start) / 1e9;
  await store.close();
  return { ops: n, batchedWritesPerSecond: Math.round(n / writeSec), getsPerSecond: Math.round(n / readSec) };
}

async function main() {
  const args = process.argv.slice(2);
  const kafkaAt = args.includes('--kafka') ? args[args.indexOf('--kafka') + 1] : undefined;
  const n = Number(process.env.BENCH_TRANSFERS ?? 5000);
  const dir = mkdtempSync(join(tmpdir(), 'bench-'));
  try {
    const memory = await driverThroughput(n);
    const rocks = await driverThroughput(n, join(dir, 'driver'));
    const memStore = await storeThroughput(new InMemoryKeyValueStore(), 50_000);
    const rocksStore = await storeThroughput(await RocksDbKeyValueStore.open(join(dir, 'store')), 50_000);
    const result: Record<string, unknown> = {
      machine: { cpus: require('node:os').cpus().length, node: process.version },
      walletDriver: { inMemoryStores: memory, rocksdbStores: rocks, rocksdbOverInMemory: +(rocks.transfersPerSecond / memory.transfersPerSecond).toFixed(2) },
      stores: { inMemory: memStore, rocksdb: rocksStore, rocksdbGetsOverInMemory: +(rocksStore.getsPerSecond / memStore.getsPerSecond).toFixed(2) },
    };
    if (kafkaAt) result.kafka = await benchKafka(kafkaAt, Number(process.env.BENCH_KAFKA_TRANSFERS ?? 3000), join(dir, 'kafka'));
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`${err.stack ?? err}\n`);
  process.exit(1);
});
