/**
 * What overdraft protection costs, in the in-memory driver with RocksDB stores, A B A B: the same backlog of transfer
 * requests (10 % retries, 100,000 accounts) through the wallet without protection and with `--overdraft-limit`
 * (preceded by a deposit for every account, so most transfers complete). Protection adds a hop per transfer (debit
 * instruction, then credit) and a status record at each end.
 * `node bin/run-ts.js bench/overdraft-driver.ts [transfers]`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Decimal from 'decimal.js';
import { TopologyTestDriver } from '../src/testing';
import { partitionForKey } from '../src/runtime/murmur2';
import { TOPICS, buildWallet } from '../topology/wallet/topology';
import { depositRequestSerde, transferRequestSerde } from '../topology/wallet/serdes';
import { workload } from './workload';

async function run(transfers: number, protect: boolean) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-overdraft-'));
  const topology = buildWallet(protect ? { overdraft: { limit: '0.00' } } : {});
  const driver = await TopologyTestDriver.create(topology, { stateDir: dir, maxBatchSize: 2000, retain: 'unconsumed', reportLines: false });
  try {
    const input = workload({ transfers, accounts: 100_000, retries: 0.1 });
    const append = (topic: string, key: Buffer, value: Buffer) => driver.log.append({ topic, partition: partitionForKey(key, 2), key, value, timestamp: driver.now });
    if (protect) {
      const accounts = new Set(input.flatMap((t) => [t.from, t.to]));
      let n = 0;
      for (const account of accounts) {
        const d = { request_id: `d-${n++}`, account, amount: new Decimal('1000000.00') };
        append(TOPICS.depositRequest, Buffer.from(d.request_id), depositRequestSerde.serialize(d, TOPICS.depositRequest));
      }
      await driver.process();
    }
    for (const t of input) append(TOPICS.transferRequest, Buffer.from(t.request_id), transferRequestSerde.serialize(t, TOPICS.transferRequest));
    const t0 = process.hrtime.bigint();
    await driver.process();
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    return { protect, transfers, requests: input.length, seconds: +seconds.toFixed(2), transfersPerSecond: Math.round(transfers / seconds) };
  } finally {
    await driver.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(transfers: number) {
  const results: Array<Awaited<ReturnType<typeof run>>> = [];
  for (const protect of [false, true, false, true]) {
    const r = await run(transfers, protect);
    console.error(JSON.stringify(r));
    results.push(r);
  }
  const mean = (p: boolean) => Math.round(results.filter((r) => r.protect === p).reduce((s, r) => s + r.transfersPerSecond, 0) / 2);
  console.log(JSON.stringify({ bench: 'overdraft-driver', transfers, results, meanTransfersPerSecond: { unprotected: mean(false), protected: mean(true) }, ratio: +(mean(true) / mean(false)).toFixed(2) }, null, 2));
}

if (process.argv[1]?.endsWith('overdraft-driver.ts')) {
  main(Number(process.argv[2] ?? 50_000)).catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
