import { strict as assert } from 'node:assert';
import { restoreProgress } from '../../src/cli/restore-progress';
import { TopologyTestDriver } from '../../src/testing';
import { TOPICS, wallet } from '../../topology/wallet/topology';
import { transfer } from '../wallet/wallet-test-helpers';

describe('restore progress lines (topology run, on stderr)', () => {
  const tp = { topic: 'wallet-balance-changelog', partition: 1 };

  it('a start line, at most one progress line per interval with done/total and the rate, and an end line', () => {
    let now = 1_000_000;
    const lines: string[] = [];
    const progress = restoreProgress(wallet, { write: (l) => lines.push(l), now: () => now });
    progress.onRestoreStart!(tp, 'balance', 0, 250_000);
    // 25 batches of 10,000 records, 100 ms apart: 2.5 s in all.
    for (let i = 1; i <= 25; i++) {
      now += 100;
      progress.onBatchRestored!(tp, 'balance', i * 10_000 - 1, 10_000);
    }
    progress.onRestoreEnd!(tp, 'balance', 250_000);
    assert.deepEqual(lines, [
      'accountant-1: restoring store balance from wallet-balance-changelog[1]: 250,000 records',
      'accountant-1: store balance 100,000/250,000 records (40%), 100,000 records/s',
      'accountant-1: store balance 200,000/250,000 records (80%), 100,000 records/s',
      'accountant-1: store balance is up to date: 250,000 records replayed in 2.5 s (100,000 records/s)',
    ]);
  });

  it('says where a partial restore starts, and rates each line by its own interval', () => {
    let now = 0;
    const lines: string[] = [];
    const progress = restoreProgress(wallet, { write: (l) => lines.push(l), now: () => now, intervalMs: 1000 });
    const dedupe = { topic: 'wallet-transfer-dedupe-changelog', partition: 0 };
    progress.onRestoreStart!(dedupe, 'transfer-dedupe', 5_000, 9_000);
    now = 1_000;
    progress.onBatchRestored!(dedupe, 'transfer-dedupe', 5_999, 1_000);
    now = 3_000;
    progress.onBatchRestored!(dedupe, 'transfer-dedupe', 8_999, 3_000);
    progress.onRestoreEnd!(dedupe, 'transfer-dedupe', 4_000);
    assert.deepEqual(lines, [
      'payment-0: restoring store transfer-dedupe from wallet-transfer-dedupe-changelog[0] from offset 5,000: 4,000 records',
      'payment-0: store transfer-dedupe 1,000/4,000 records (25%), 1,000 records/s',
      'payment-0: store transfer-dedupe 4,000/4,000 records (100%), 1,500 records/s',
      'payment-0: store transfer-dedupe is up to date: 4,000 records replayed in 3.0 s (1,333 records/s)',
    ]);
  });

  it('as the driver\'s restore listener, prints the start and end of each store a wiped task restores', async () => {
    const lines: string[] = [];
    const driver = await TopologyTestDriver.create(wallet, { partitions: 2, restoreListener: restoreProgress(wallet, { write: (l) => lines.push(l) }) });
    try {
      const input = driver.inputTopic<string, ReturnType<typeof transfer>>(TOPICS.transferRequest);
      for (let i = 0; i < 30; i++) {
        const id = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
        await input.pipe(id, transfer(id, 'John', 'Carol', '1.00'));
      }
      assert.equal(lines.length, 0, 'nothing to restore at the first start');
      await driver.crash('accountant-0');
      await driver.wipeState('accountant-0');
      await driver.restart('accountant-0');
      const starts = lines.filter((l) => l.includes(': restoring store ')).sort();
      assert.equal(starts.length, 2, lines.join('\n'));
      assert.match(starts[0], /^accountant-0: restoring store balance from wallet-balance-changelog\[0\]: [\d,]+ records$/);
      assert.match(starts[1], /^accountant-0: restoring store payment-dedupe from wallet-payment-dedupe-changelog\[0\]: [\d,]+ records$/);
      // 30 transfers from John to Carol: 60 legs, all on accountant-0.
      assert.ok(lines.some((l) => /^accountant-0: store payment-dedupe is up to date: 60 records replayed in \d+\.\d s \([\d,]+ records\/s\)$/.test(l)), lines.join('\n'));
      assert.ok(lines.some((l) => /^accountant-0: store balance is up to date: \d+ records replayed in /.test(l)), lines.join('\n'));
      // "restored" stays the task's JSON log line's word (test/kafka looks for it there).
      assert.ok(lines.every((l) => !l.includes('restored')), lines.join('\n'));
    } finally {
      await driver.close();
    }
  });
});
