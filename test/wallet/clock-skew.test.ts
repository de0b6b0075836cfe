import { strict as assert } from 'node:assert';
import Decimal from 'decimal.js';
import { TopologyTestDriver } from '../../src/testing';
import { wallet } from '../../topology/wallet/topology';
import { partitionForKey } from '../../src/runtime/murmur2';
import { Balance, TransferRequest } from '../../topology/wallet/types';

const DAY = 86_400_000;
const t = (id: string, from: string, to: string, amount: string): TransferRequest => ({ request_id: id, from, to, amount: new Decimal(amount) });

describe('wallet: producer clocks cannot defeat the dedupe window', () => {
  let driver: TopologyTestDriver;
  beforeEach(async () => {
    driver = await TopologyTestDriver.create(wallet);
  });
  afterEach(() => driver.close());
  const balances = () => Object.fromEntries([...driver.outputTopic<string, Balance>('wallet.balance').readLatest()].map(([k, v]) => [k, v.balance.toFixed(2)]));

  it('a record stamped 8 days ahead does not expire the ids seen before it', async () => {
    const input = driver.inputTopic<string, TransferRequest>('wallet.transfer_request');
    await input.pipe('T', t('T', 'Alice', 'Bob', '0.50'));
    // Same partition as T (Alice and Bob's transfers are keyed by id; pick an id in T's partition).
    const partition = driver.log.records('wallet.transfer_request')[0].partition;
    let future = 'F0';
    for (let i = 1; driver.log.partitionCount('wallet.transfer_request') > 1 && (await probePartition(future)) !== partition; i++) future = `F${i}`;
    await input.pipe(future, t(future, 'John', 'Carol', '1.00'), driver.now + 8 * DAY);
    await input.pipe('T', t('T', 'Alice', 'Bob', '0.50'), driver.now + 1000);
    assert.deepEqual(balances(), { Alice: '-0.50', Bob: '0.50', John: '-1.00', Carol: '1.00' });
  });

  it('a retry stamped in the past is still recognised (ids are remembered by the time the task saw them)', async () => {
    const input = driver.inputTopic<string, TransferRequest>('wallet.transfer_request');
    // Stream time of every payment task is "now" first; then a request arrives stamped 30 days ago.
    for (const id of ['Q0', 'Q1', 'Q2', 'Q3']) await input.pipe(id, t(id, 'John', 'Carol', '1.00'));
    await input.pipe('P', t('P', 'Alice', 'Bob', '2.00'), driver.now - 30 * DAY);
    driver.advanceTime('1d');
    for (const id of ['R0', 'R1', 'R2', 'R3']) await input.pipe(id, t(id, 'Carol', 'John', '1.00'));
    await input.pipe('P', t('P', 'Alice', 'Bob', '2.00'), driver.now - 30 * DAY);
    assert.deepEqual(balances(), { Alice: '-2.00', Bob: '2.00', John: '0.00', Carol: '0.00' });
  });

  async function probePartition(id: string): Promise<number> {
    return partitionForKey(Buffer.from(id), driver.log.partitionCount('wallet.transfer_request'));
  }
});
