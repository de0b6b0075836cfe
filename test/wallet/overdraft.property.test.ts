/**
 * Overdraft protection, as a property: whatever interleaving of deposits, transfers (many unaffordable), client
 * retries, crashes at any commit point, wiped local state and restarts, once every task runs again and the log is
 * drained: no balance was ever below -limit, every transfer ended COMPLETED or REJECTED exactly once (after exactly
 * one PENDING), each account holds its deposits plus what completed transfers moved, and the sum of the balances is
 * the sum of the distinct deposits.
 */
import { strict as assert } from 'node:assert';
import Decimal from 'decimal.js';
import fc from 'fast-check';
import { FAULT_POINTS, FaultPoint, TopologyTestDriver } from '../../src/testing';
import { TOPICS } from '../../topology/wallet/topology';
import { DepositRequest, TransferRequest } from '../../topology/wallet/types';
import { ACCOUNTS, balanceStore, restartAllDown, sum } from './wallet-test-helpers';
import { balances, latest, legs, protectedWallet, statusHistory } from './overdraft-helpers';

type Step =
  | { op: 'deposit'; id: string; account: string; amount: string }
  | { op: 'transfer'; id: string; from: string; to: string; amount: string }
  | { op: 'retry'; id: string }
  | { op: 'crashAt'; task: string; point: FaultPoint }
  | { op: 'restart'; task: string }
  | { op: 'wipe'; task: string };

const TASKS = ['payment-0', 'payment-1', 'accountant-0', 'accountant-1'];
const cents = (n: number) => new Decimal(n).div(100).toFixed(2);

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ op: fc.constant('deposit' as const), id: fc.constant(''), account: fc.constantFrom(...ACCOUNTS), amount: fc.integer({ min: 1, max: 5_000 }).map(cents) }) },
  {
    weight: 6,
    arbitrary: fc
      .record({ from: fc.nat({ max: ACCOUNTS.length - 1 }), shift: fc.integer({ min: 1, max: ACCOUNTS.length - 1 }), amount: fc.integer({ min: 1, max: 6_000 }).map(cents) })
      .map((t) => ({ op: 'transfer' as const, id: '', from: ACCOUNTS[t.from], to: ACCOUNTS[(t.from + t.shift) % ACCOUNTS.length], amount: t.amount })),
  },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('retry' as const), id: fc.nat().map(String) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('crashAt' as const), task: fc.constantFrom(...TASKS), point: fc.constantFrom(...FAULT_POINTS) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('restart' as const), task: fc.constantFrom(...TASKS) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('wipe' as const), task: fc.constantFrom(...TASKS) }) },
);

/** Numbers the requests (d1, t1, ...) and points each retry at an earlier request (or drops it if there is none). */
function toProgram(raw: Step[]): Step[] {
  const ids: string[] = [];
  const out: Step[] = [];
  for (const s of raw) {
    if (s.op === 'deposit' || s.op === 'transfer') {
      const id = `${s.op === 'deposit' ? 'd' : 't'}${ids.length + 1}`;
      ids.push(id);
      out.push({ ...s, id });
    } else if (s.op === 'retry') {
      if (ids.length > 0) out.push({ op: 'retry', id: ids[Number(s.id) % ids.length] });
    } else out.push(s);
  }
  return out;
}

/** Runs a program, checks the invariants, and returns how many transfers completed. */
async function check(program: Step[], limit: string): Promise<number> {
  const driver = await TopologyTestDriver.create(protectedWallet(limit));
  try {
    const transfers = driver.inputTopic<string, TransferRequest>(TOPICS.transferRequest);
    const deposits = driver.inputTopic<string, DepositRequest>(TOPICS.depositRequest);
    const sent = new Map<string, Step>();
    const send = async (s: Step) => {
      if (s.op === 'deposit') await deposits.pipe(s.id, { request_id: s.id, account: s.account, amount: new Decimal(s.amount) });
      if (s.op === 'transfer') await transfers.pipe(s.id, { request_id: s.id, from: s.from, to: s.to, amount: new Decimal(s.amount) });
    };
    for (const s of program) {
      if (s.op === 'deposit' || s.op === 'transfer') {
        sent.set(s.id, s);
        await send(s);
      } else if (s.op === 'retry') await send(sent.get(s.id)!);
      else if (s.op === 'crashAt') driver.failNext(s.task, s.point);
      else if (s.op === 'restart') await driver.restart(s.task);
      else {
        await driver.crash(s.task);
        await driver.wipeState(s.task);
      }
    }
    await restartAllDown(driver);
    await driver.process();

    const floor = new Decimal(limit).neg();
    const low = balances(driver).filter((b) => b.value.balance.lt(floor));
    assert.deepEqual(low.map((b) => `${b.key}=${b.value.balance.toFixed(2)}`), [], `no balance below -${limit}`);

    // Every transfer: one PENDING, then one final status; deposits have none.
    const history = statusHistory(driver);
    const model = new Map<string, Decimal>();
    const add = (account: string, amount: Decimal) => model.set(account, (model.get(account) ?? new Decimal(0)).plus(amount));
    let deposited = new Decimal(0);
    let completed = 0;
    for (const [id, s] of sent) {
      if (s.op === 'deposit') {
        assert.equal(history.get(id), undefined, `deposit ${id} has no transfer status`);
        add(s.account, new Decimal(s.amount));
        deposited = deposited.plus(s.amount);
      } else if (s.op === 'transfer') {
        const h = history.get(id) ?? [];
        assert.ok(h.length === 2 && h[0] === 'PENDING' && (h[1] === 'COMPLETED' || h[1] === 'REJECTED:insufficient_funds'), `transfer ${id}: statuses ${JSON.stringify(h)}`);
        if (h[1] === 'COMPLETED') {
          completed += 1;
          add(s.from, new Decimal(s.amount).neg());
          add(s.to, new Decimal(s.amount));
        }
      }
    }
    assert.equal(history.size, [...sent.values()].filter((s) => s.op === 'transfer').length, 'a status for every transfer, none for anything else');

    // The books: each account as the deposits and completed transfers say, and the sum is what was deposited.
    const actual = latest(driver);
    for (const [account, balance] of model) assert.equal(actual[account] ?? '0.00', balance.toFixed(2), `${account}: balance vs deposits and completed transfers`);
    assert.ok(sum(Object.values(actual)).eq(deposited), `sum of balances ${sum(Object.values(actual)).toFixed(2)} = sum of deposits ${deposited.toFixed(2)}`);
    assert.equal(legs(driver).length, sent.size - [...sent.values()].filter((s) => s.op === 'transfer').length + completed, 'one credit per deposit and per completed transfer');
    assert.equal(driver.log.records('wallet-dead-letter').length, 0, 'no dead letters');

    // The stores hold what the topic says.
    for (const task of ['accountant-0', 'accountant-1']) {
      const store = await balanceStore(driver, task);
      for (const [account, b] of Object.entries(store)) assert.equal(b.balance, actual[account], `${task}: store vs wallet.balance for ${account}`);
    }
    return completed;
  } finally {
    await driver.close();
  }
}

describe('wallet: overdraft protection, as a property over crashes and retries', function () {
  this.timeout(120_000);

  it('never below the limit; every transfer decided once; balances = deposits + completed transfers', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 1, maxLength: 40 }), fc.constantFrom('0.00', '25.00'), async (raw, limit) => {
        await check(toProgram(raw), limit);
      }),
      { numRuns: 60 },
    );
  });

  it('two concurrent transfers from one account that together exceed its balance: exactly one completes, whatever crashes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...FAULT_POINTS), fc.constantFrom('accountant-0', 'accountant-1', 'payment-0', 'payment-1'), async (point, task) => {
        const completed = await check(
          toProgram([
            { op: 'deposit', id: '', account: 'Alice', amount: '10.00' },
            { op: 'crashAt', task, point },
            { op: 'transfer', id: '', from: 'Alice', to: 'Bob', amount: '7.00' },
            { op: 'transfer', id: '', from: 'Alice', to: 'Carol', amount: '6.00' },
          ]),
          '0.00',
        );
        assert.equal(completed, 1, 'exactly one of the two transfers completes');
      }),
      { numRuns: 40 },
    );
  });
});
