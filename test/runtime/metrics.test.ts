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

  it('scale-out gauges: assigned and revoked tasks per rebalance, standby lag read at scrape time, restore remaining', async () => {
    const metrics = new StreamsMetrics();
    metrics.rebalanced(2, 0);
    metrics.rebalanced(1, 1);
    let lags = new Map([['accountant-0', 12], ['payment-1', 0]]);
    metrics.trackStandbys(() => lags);
    metrics.restoreRemaining.set({ task: 'accountant-0', store: 'balance' }, 40);
    metrics.consumerLag.set({ task: 'payment-0', topic: 'wallet.transfer_request' }, 7);
    let text = await metrics.registry.metrics();
    assert.match(text, /^streams_tasks_assigned_total 3$/m);
    assert.match(text, /^streams_tasks_revoked_total 1$/m);
    assert.match(text, /^streams_standby_lag_records\{task="accountant-0"\} 12$/m);
    assert.match(text, /^streams_restore_remaining_records\{task="accountant-0",store="balance"\} 40$/m);
    assert.match(text, /^streams_consumer_lag_records\{task="payment-0",topic="wallet.transfer_request"\} 7$/m);
    // A standby that is gone is gone from the gauge at the next scrape.
    lags = new Map([['payment-1', 3]]);
    text = await metrics.registry.metrics();
    assert.doesNotMatch(text, /streams_standby_lag_records\{task="accountant-0"\}/);
    assert.match(text, /^streams_standby_lag_records\{task="payment-1"\} 3$/m);
  });
});
