import { strict as assert } from 'node:assert';
import Decimal from 'decimal.js';
import { TopologyTestDriver } from '../../src/testing';
import { wallet } from '../../topology/wallet/topology';
import { Balance, TransferRequest } from '../../topology/wallet/types';

const SEED_ID = 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11';
const transfer = (request_id: string, from: string, to: string, amount: string): TransferRequest => ({ request_id, from, to, amount: new Decimal(amount) });

describe('wallet: the seed scenario', () => {
  let driver: TopologyTestDriver;
  beforeEach(async () => {
    driver = await TopologyTestDriver.create(wallet);
  });
  afterEach(() => driver.close());

  const balances = () => {
    const latest = driver.outputTopic<string, Balance>('wallet.balance').readLatest();
    return Object.fromEntries([...latest].map(([k, v]) => [k, v.balance.toFixed(2)]));
  };

  it('has the four wallet tasks', () => {
    assert.deepEqual(driver.taskIds, ['payment-0', 'payment-1', 'accountant-0', 'accountant-1']);
  });

  it('Alice sends Bob 0.50: Alice -0.50, Bob +0.50; the same request again changes nothing', async () => {
    const input = driver.inputTopic<string, TransferRequest>('wallet.transfer_request');
    await input.pipe(SEED_ID, transfer(SEED_ID, 'Alice', 'Bob', '0.50'));
    assert.deepEqual(balances(), { Alice: '-0.50', Bob: '0.50' });

    const payments = driver.outputTopic<string, { account: string; direction: string }>('wallet.payment').readAll();
    assert.deepEqual(payments.map((p) => [p.key, p.value.direction, p.partition]).sort(), [
      ['Alice', 'OUTGOING', 1],
      ['Bob', 'INCOMING', 1],
    ]);
    assert.deepEqual(driver.reports.filter((l) => l.includes('balance')).sort(), ['Alice balance: -0.50 USD', 'Bob balance: 0.50 USD']);
    assert.ok(driver.reports.some((l) => /^1:\d+ a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11 Alice -\$0\.50$/.test(l)), driver.reports.join('\n'));

    const before = driver.outputTopic('wallet.balance').size;
    await input.pipe(SEED_ID, transfer(SEED_ID, 'Alice', 'Bob', '0.50'));
    assert.deepEqual(balances(), { Alice: '-0.50', Bob: '0.50' });
    assert.equal(driver.outputTopic('wallet.balance').size, before, 'a retried request writes no new balance');
  });

  it('applies both legs when both accounts share a partition (the Go demo lost one)', async () => {
    // Alice and Bob both hash to partition 1 with murmur2 and 2 partitions.
    const input = driver.inputTopic<string, TransferRequest>('wallet.transfer_request');
    await input.pipe('r1', transfer('r1', 'Alice', 'Bob', '10.00'));
    await input.pipe('r2', transfer('r2', 'Bob', 'Alice', '2.50'));
    assert.deepEqual(balances(), { Alice: '-7.50', Bob: '7.50' });
  });

  it('adds decimals exactly: 0.10 + 0.20 = 0.30', async () => {
    const input = driver.inputTopic<string, TransferRequest>('wallet.transfer_request');
    await input.pipe('d1', transfer('d1', 'John', 'Carol', '0.10'));
    await input.pipe('d2', transfer('d2', 'John', 'Carol', '0.20'));
    assert.deepEqual(balances(), { John: '-0.30', Carol: '0.30' });
    const carol = (await driver.store<string, Balance>('accountant-0', 'balance')).find((e) => e.key === 'Carol');
    assert.equal(carol?.value.balance.toFixed(2), '0.30');
    assert.equal(carol?.value.version, 2);
  });
});
