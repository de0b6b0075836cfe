/**
 * Exactly-once, as a property: whatever interleaving of transfers, client retries, crashes at any commit point,
 * wiped local state and restarts, once every task runs again and the log is drained, the books balance and every
 * transfer was applied exactly once.
 */
import { strict as assert } from 'node:assert';
import Decimal from 'decimal.js';
import fc from 'fast-check';
import { FAULT_POINTS, FaultPoint, TopologyTestDriver } from '../../src/testing';
import { TOPICS, wallet } from '../../topology/wallet/topology';
import { TransferRequest } from '../../topology/wallet/types';
import {
  ACCOUNTS,
  accountantOf,
  assertNoDuplicateOutputs,
  balanceRecords,
  balanceStore,
  latestBalances,
  paymentRecords,
  restartAllDown,
  sum,
  transfer,
} from './wallet-test-helpers';

type Point = FaultPoint;
const POINTS = FAULT_POINTS;

/** One step of a program, in the readable form fast-check prints for a counterexample. */
type Step =
  | { op: 'transfer'; id: string; from: string; to: string; amount: string }
  | { op: 'retry'; id: string }
  | { op: 'crashAt'; task: string; point: Point }
  | { op: 'restart'; task: string }
  | { op: 'wipe'; task: string }
  | { op: 'advance'; ms: number };

interface Program {
  partitions: number;
  maxBatchSize: number | undefined;
  steps: Step[];
}

// Raw steps hold indexes; `toProgram` resolves them (task ids depend on the partition count, retries on earlier ids).
type RawStep =
  | { op: 'transfer'; from: number; shift: number; cents: number }
  | { op: 'retry'; pick: number }
  | { op: 'crashAt'; task: number; point: Point }
  | { op: 'restart'; task: number }
  | { op: 'wipe'; task: number }
  | { op: 'advance'; ms: number };

const rawStepWith = (advance: fc.Arbitrary<number>): fc.Arbitrary<RawStep> => fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('transfer' as const), from: fc.nat({ max: ACCOUNTS.length - 1 }), shift: fc.integer({ min: 1, max: ACCOUNTS.length - 1 }), cents: fc.integer({ min: 1, max: 1_000_000 }) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('retry' as const), pick: fc.nat() }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('crashAt' as const), task: fc.nat({ max: 5 }), point: fc.constantFrom(...POINTS) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('restart' as const), task: fc.nat({ max: 5 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('wipe' as const), task: fc.nat({ max: 5 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('advance' as const), ms: advance }) },
);

const DAY = 86_400_000;
const RETENTION_MS = 7 * DAY;
/** Small clock moves (never near the 7-day dedupe retention): exercise the periodic purge without expiring ids. */
const smallAdvance = fc.integer({ min: 1, max: 3_600_000 });
/** Also jumps of days, some across the retention edge (and exactly onto it), so ids expire and are re-used. */
const bigAdvance = fc.oneof(smallAdvance, fc.integer({ min: DAY, max: 8 * DAY }), fc.constantFrom(RETENTION_MS, RETENTION_MS - 1));

function taskName(index: number, partitions: number): string {
  const i = index % (2 * partitions);
  return i < partitions ? `payment-${i}` : `accountant-${i - partitions}`;
}

function toProgram(raw: { partitions: number; maxBatchSize: number | null; steps: RawStep[] }): Program {
  const ids: string[] = [];
  const steps: Step[] = [];
  for (const s of raw.steps) {
    switch (s.op) {
      case 'transfer': {
        const id = `tx${ids.length + 1}`;
        ids.push(id);
        const from = ACCOUNTS[s.from];
        const to = ACCOUNTS[(s.from + s.shift) % ACCOUNTS.length];
        steps.push({ op: 'transfer', id, from, to, amount: new Decimal(s.cents).div(100).toFixed(2) });
        break;
      }
      case 'retry':
        if (ids.length > 0) steps.push({ op: 'retry', id: ids[s.pick % ids.length] });
        break;
      case 'crashAt':
        steps.push({ op: 'crashAt', task: taskName(s.task, raw.partitions), point: s.point });
        break;
      case 'restart':
      case 'wipe':
        steps.push({ op: s.op, task: taskName(s.task, raw.partitions) });
        break;
      case 'advance':
        steps.push(s);
        break;
    }
  }
  return { partitions: raw.partitions, maxBatchSize: raw.maxBatchSize ?? undefined, steps };
}

const programArb = (advance: fc.Arbitrary<number>): fc.Arbitrary<Program> =>
  fc
    .record({
      partitions: fc.constantFrom(2, 3),
      maxBatchSize: fc.option(fc.oneof(fc.integer({ min: 1, max: 5 }), fc.constant(5000)), { nil: null }),
      steps: fc.array(rawStepWith(advance), { minLength: 1, maxLength: 40, size: 'medium' }),
    })
    .map(toProgram);

/**
 * Runs a program and checks the outcome. The model: a request is applied when its id is new or its window has
 * expired (7 days of stream time since the request that opened it; the input's timestamps only grow, so each
 * payment task's stream time at a request is the request's own timestamp); otherwise it is a retry and dropped.
 * Without multi-day clock moves that is "once per distinct request id".
 */
async function runProgram(program: Program): Promise<{ distinct: number; applied: number }> {
  const driver = await TopologyTestDriver.create(wallet, { partitions: program.partitions, maxBatchSize: program.maxBatchSize });
  try {
    const input = driver.inputTopic<string, TransferRequest>(TOPICS.transferRequest);
    const sent = new Map<string, { from: string; to: string; amount: string }>();
    const windowStart = new Map<string, number>();
    /** Request ids in the order they are applied (an id appears again when re-used after its window). */
    const applied: string[] = [];
    const request = async (id: string) => {
      const t = sent.get(id)!;
      const opened = windowStart.get(id);
      if (opened === undefined || driver.now - opened >= RETENTION_MS) {
        windowStart.set(id, driver.now);
        applied.push(id);
      }
      await input.pipe(id, transfer(id, t.from, t.to, t.amount));
    };

    for (const step of program.steps) {
      switch (step.op) {
        case 'transfer':
          sent.set(step.id, { from: step.from, to: step.to, amount: step.amount });
          await request(step.id);
          break;
        case 'retry':
          await request(step.id);
          break;
        case 'crashAt':
          driver.failNext(step.task, step.point);
          break;
        case 'restart':
          await driver.restart(step.task);
          break;
        case 'wipe':
          await driver.crash(step.task); // a kill if it runs; a no-op if it is already down
          await driver.wipeState(step.task);
          break;
        case 'advance':
          driver.advanceTime(step.ms);
          break;
      }
    }

    await restartAllDown(driver);
    await driver.process();

    // The model: each applied request moves its amount once.
    const expected = new Map<string, Decimal>();
    for (const t of applied.map((id) => sent.get(id)!)) {
      expected.set(t.from, (expected.get(t.from) ?? new Decimal(0)).minus(t.amount));
      expected.set(t.to, (expected.get(t.to) ?? new Decimal(0)).plus(t.amount));
    }
    const expectedBalances = Object.fromEntries([...expected].map(([k, v]) => [k, v.toFixed(2)]).sort(([a], [b]) => a.localeCompare(b)));

    // (a) the books balance: on the topic and in the stores.
    const latest = latestBalances(driver);
    assert.ok(sum(Object.values(latest)).isZero(), `sum of latest wallet.balance is ${sum(Object.values(latest)).toFixed(2)}: ${JSON.stringify(latest)}`);
    const stores: Record<string, Awaited<ReturnType<typeof balanceStore>>> = {};
    for (let p = 0; p < program.partitions; p++) stores[`accountant-${p}`] = await balanceStore(driver, `accountant-${p}`);
    const storeTotal = sum(Object.values(stores).flatMap((s) => Object.values(s).map((b) => b.balance)));
    assert.ok(storeTotal.isZero(), `sum of the balance stores is ${storeTotal.toFixed(2)}: ${JSON.stringify(stores)}`);

    // (b) every account holds the sum of its legs over distinct (applied) requests.
    assert.deepEqual(latest, expectedBalances, 'latest wallet.balance per account vs the model');

    // (c) exactly two legs per applied request, one balance record per leg.
    assert.equal(paymentRecords(driver).length, 2 * applied.length, 'wallet.payment: 2 records per applied request');
    assert.equal(balanceRecords(driver).length, 2 * applied.length, 'wallet.balance: 1 record per applied leg');
    if (applied.length === sent.size) assertNoDuplicateOutputs(driver, sent.keys());
    else assertLegsApplied(driver, applied);
    assert.equal(driver.log.records('wallet-dead-letter').length, 0, 'no dead letters');

    // (d) each accountant's store is the table wallet.balance describes, for the accounts it owns.
    const latestRecords = driver.outputTopic<string, { balance: Decimal; version: number; request_id: string }>(TOPICS.balance).readLatest();
    for (let p = 0; p < program.partitions; p++) {
      const task = `accountant-${p}`;
      const owned = Object.fromEntries(
        [...latestRecords]
          .filter(([account]) => accountantOf(account, program.partitions) === task)
          .map(([account, b]) => [account, { balance: b.balance.toFixed(2), version: b.version, request_id: b.request_id }]),
      );
      assert.deepEqual(stores[task], owned, `${task}: balance store vs latest wallet.balance`);
    }
    return { distinct: sent.size, applied: applied.length };
  } finally {
    await driver.close();
  }
}

/** With re-used ids: each request id's legs and balance records appear exactly as often as the id was applied. */
function assertLegsApplied(driver: TopologyTestDriver, applied: string[]): void {
  const count = (xs: string[]) => [...xs.reduce((m, x) => m.set(x, (m.get(x) ?? 0) + 1), new Map<string, number>())].sort();
  const expectedLegs = applied.flatMap((id) => [`${id}:OUTGOING`, `${id}:INCOMING`]);
  assert.deepEqual(count(paymentRecords(driver).map((p) => `${p.value.request_id}:${p.value.direction}`)), count(expectedLegs), 'wallet.payment legs per request id');
  const balances = balanceRecords(driver);
  assert.deepEqual(count(balances.map((b) => b.value.request_id)), count(applied.flatMap((id) => [id, id])), 'wallet.balance records per request id');
  const versions = new Map<string, number[]>();
  for (const b of balances) versions.set(b.key, [...(versions.get(b.key) ?? []), b.value.version]);
  for (const [account, vs] of versions) assert.deepEqual(vs, vs.map((_, i) => i + 1), `${account}: balance versions 1..n`);
}

describe('wallet: exactly-once under crashes, retries and lost state (property)', function () {
  this.timeout(120_000);

  const runs = (n: number) => Number(process.env.WALLET_PROP_RUNS ?? n);

  it('every distinct transfer is applied exactly once and the books balance', async () => {
    await fc.assert(
      fc.asyncProperty(programArb(smallAdvance), async (program) => {
        const { distinct, applied } = await runProgram(program);
        assert.equal(applied, distinct, 'no window expires in these programs');
      }),
      { numRuns: runs(100) },
    );
  });

  it('the same, with clock jumps of days: an id re-used after its 7-day window is applied once more, never twice', async () => {
    await fc.assert(
      fc.asyncProperty(programArb(bigAdvance), async (program) => {
        await runProgram(program);
      }),
      { numRuns: runs(60) },
    );
  });

  it('the runner itself: a hand-written program with every kind of step', async () => {
    await runProgram({
      partitions: 2,
      maxBatchSize: 3,
      steps: [
        { op: 'transfer', id: 'tx1', from: 'Alice', to: 'Bob', amount: '10.00' },
        { op: 'crashAt', task: 'accountant-1', point: 'after-transaction' },
        { op: 'transfer', id: 'tx2', from: 'Bob', to: 'Carol', amount: '2.50' },
        { op: 'retry', id: 'tx1' },
        { op: 'wipe', task: 'accountant-0' },
        { op: 'transfer', id: 'tx3', from: 'Dave', to: 'John', amount: '0.01' },
        { op: 'crashAt', task: 'payment-0', point: 'before-transaction' },
        { op: 'transfer', id: 'tx4', from: 'John', to: 'Alice', amount: '99.99' },
        { op: 'advance', ms: 1_000 },
        { op: 'retry', id: 'tx2' },
        { op: 'restart', task: 'accountant-1' },
      ],
    });
  });
});
