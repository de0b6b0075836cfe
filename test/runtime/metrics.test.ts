import { strict as assert } from 'node:assert';
import Decimal from 'decimal.js';
import { TopologyTestDriver } from '../../src/testing';
import { StreamsMetrics } from '../../src/runtime/metrics';
import { wallet } from '../../topology/wallet/topology';

describe('task metrics', () => {
  it('count processed records, commits, outputs per topic and dead letters per stage', async () => {
    const metrics = new StreamsMetrics();
    const driver = await TopologyTestDriver.create(wallet, { metrics });
    const input = driver.inputTopic('wallet.transfer_request');
    await input.pipe('r1', { request_id: 'r1', from: 'Alice', to: 'Bob', amount: new Decimal('1.00') });
    await driver.pipeRaw('wallet.transfer_request', Buffer.from('r2'), Buffer.from('garbage'));
    const text = await metrics.registry.metrics();
    const value = (line: RegExp) => Number(line.exec(text)?.[1]);
    const sum = (line: RegExp) => [...text.matchAll(line)].reduce((n, m) => n + Number(m[1]), 0);
    assert.equal(sum(/streams_records_processed_total\{task="payment-\d"\} (\d+)/g), 2, text);
    assert.equal(value(/streams_dead_letters_total\{task="payment-\d",stage="deserialization"\} (\d+)/), 1, text);
    assert.match(text, /streams_records_produced_total\{task="accountant-1",topic="wallet.balance"\} 2/);
    assert.match(text, /streams_commit_duration_seconds_count\{task="accountant-1"\} \d+/);
    await driver.close();
  });
});
