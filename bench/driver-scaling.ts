/**
 * The whole wallet in the in-memory driver with RocksDB stores, as a consumer that fell behind sees it: the input is
 * appended first, then the tasks drain it in batches. Transfers/s at several sizes (and their ratio: is it flat?),
 * CPU seconds (the RocksDB thread pool runs on the other core) and peak RSS.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TopologyTestDriver } from '../src/testing';
import { partitionForKey } from '../src/runtime/murmur2';
import { wallet, TOPICS } from '../topology/wallet/topology';
import { transferRequestSerde } from '../topology/wallet/serdes';
import { workload } from './workload';
import { RssSampler } from './rss';

export async function walletDriverRun(transfers: number, opts: { accounts?: number; maxBatchSize?: number } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-driver-'));
  const driver = await TopologyTestDriver.create(wallet, { stateDir: dir, maxBatchSize: opts.maxBatchSize ?? 5000, retain: 'unconsumed', reportLines: false });
  try {
    const input = workload({ transfers, accounts: opts.accounts ?? 100_000, retries: 0.1 });
    for (const t of input) {
      const key = Buffer.from(t.request_id);
      driver.log.append({ topic: TOPICS.transferRequest, partition: partitionForKey(key, 2), key, value: transferRequestSerde.serialize(t, TOPICS.transferRequest), timestamp: driver.now });
    }
    const rss = new RssSampler();
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    await driver.process();
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu = process.cpuUsage(cpu0);
    rss.stop();
    // wallet.balance is a compacted table (the driver compacts it as it runs): its end offsets, not what is left,
    // count the balance records written.
    const balances = [0, 1].reduce((sum, partition) => sum + driver.log.endOffset({ topic: TOPICS.balance, partition }), 0);
    if (balances !== 2 * transfers) throw new Error(`expected ${2 * transfers} balances, got ${balances}`);
    return {
      transfers,
      requests: input.length,
      seconds: +seconds.toFixed(2),
      transfersPerSecond: Math.round(transfers / seconds),
      cpuSeconds: +((cpu.user + cpu.system) / 1e6).toFixed(2),
      peakRssMiB: rss.peakMiB,
    };
  } finally {
    await driver.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Each size once, smallest first, plus the ratio of the largest to the smallest. */
export async function driverScaling(sizes: number[]) {
  const runs = [];
  for (const n of sizes) runs.push(await walletDriverRun(n));
  const first = runs[0];
  const last = runs[runs.length - 1];
  return { accounts: 100_000, retries: 0.1, store: 'rocksdb', runs, largestOverSmallest: +(last.transfersPerSecond / first.transfersPerSecond).toFixed(2) };
}
