/**
 * What a restart costs a task that remembers many ids: one dedupe task (1 partition, RocksDB) fed `ids` distinct
 * ids, then (a) a restart with its checkpoint present, timed to the commit of its first new batch, and (b) a restart
 * on a wiped state directory, which rebuilds the store (and its local time index) from the changelog.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineTopology, Serdes } from '../src';
import { TopologyTestDriver } from '../src/testing';

const topology = defineTopology('restart-bench', (t) =>
  t.subTopology('ids', (s) =>
    s
      .stream<string, string>('ids.in', { serdes: { key: Serdes.string(), value: Serdes.string() } })
      .dedupe({ name: 'seen', id: (r) => r.key, retention: '7d' })
      .to('ids.out', { serdes: { key: Serdes.string(), value: Serdes.string() } }),
  ), { partitions: 1 });

export async function restartCost(ids: number) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-restart-'));
  const driver = await TopologyTestDriver.create(topology, { stateDir: dir, maxBatchSize: 5000, retain: 'unconsumed', reportLines: false });
  const append = (i: number) => driver.log.append({ topic: 'ids.in', partition: 0, key: Buffer.from(`id-${i}`), value: Buffer.from('x'), timestamp: driver.now });
  try {
    for (let i = 0; i < ids; i++) append(i);
    let t0 = process.hrtime.bigint();
    await driver.process();
    const fillSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const changelogRecords = driver.log.records('restart-bench-seen-changelog').length;

    await driver.crash('ids-0');
    append(ids);
    t0 = process.hrtime.bigint();
    await driver.restart('ids-0'); // open, restore (nothing to replay), then process the new record and commit it
    const warmRestartSeconds = Number(process.hrtime.bigint() - t0) / 1e9;

    await driver.crash('ids-0');
    await driver.wipeState('ids-0');
    t0 = process.hrtime.bigint();
    await driver.restart('ids-0');
    const rebuildSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const kept = (await driver.store('ids-0', 'seen')).length;
    if (kept !== ids + 1) throw new Error(`rebuilt store holds ${kept} ids, expected ${ids + 1}`);
    return {
      ids,
      fillIdsPerSecond: Math.round(ids / fillSeconds),
      warmRestartToFirstCommitSeconds: +warmRestartSeconds.toFixed(3),
      rebuild: { changelogRecords: changelogRecords + 1, seconds: +rebuildSeconds.toFixed(2), recordsPerSecond: Math.round((changelogRecords + 1) / rebuildSeconds) },
    };
  } finally {
    await driver.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
