/**
 * Shared helpers for the wallet tests (not a spec file: mocha only picks up `*.test.ts`).
 */
import { strict as assert } from 'node:assert';
import Decimal from 'decimal.js';
import { StreamsError } from '../../src/core/errors/streams-error';
import { partitionForKey } from '../../src/runtime/murmur2';
import { TopologyTestDriver } from '../../src/testing';
import { TOPICS } from '../../topology/wallet/topology';
import { Balance, Payment, TransferRequest } from '../../topology/wallet/types';

export const ACCOUNTS = ['Alice', 'Bob', 'John', 'Carol', 'Dave'] as const;
export type Account = (typeof ACCOUNTS)[number];

export const transfer = (request_id: string, from: string, to: string, amount: string): TransferRequest => ({
  request_id,
  from,
  to,
  amount: new Decimal(amount),
});

/** The partition murmur2 gives a string key (what the driver and the sinks use). */
export const partitionOf = (key: string, partitions: number): number => partitionForKey(Buffer.from(key, 'utf8'), partitions);

export const accountantOf = (account: string, partitions: number): string => `accountant-${partitionOf(account, partitions)}`;
export const paymentTaskOf = (requestId: string, partitions: number): string => `payment-${partitionOf(requestId, partitions)}`;

/** Whether the driver currently runs the task (a crashed or killed task has no stores to read). */
export async function isUp(driver: TopologyTestDriver, taskId: string): Promise<boolean> {
  const store = taskId.startsWith('payment') ? 'transfer-dedupe' : 'balance';
  try {
    await driver.store(taskId, store);
    return true;
  } catch (err) {
    if (err instanceof StreamsError && err.code === 'TASK_DOWN') return false;
    throw err;
  }
}

/**
 * Restarts every task that is down until all run (a restart processes the backlog, and a still-pending injected
 * fault may take a task down again during it; faults are one-shot, so this ends).
 */
export async function restartAllDown(driver: TopologyTestDriver): Promise<void> {
  for (let round = 0; round < 20; round++) {
    const down: string[] = [];
    for (const id of driver.taskIds) if (!(await isUp(driver, id))) down.push(id);
    if (down.length === 0) {
      await driver.process();
      return;
    }
    for (const id of down) await driver.restart(id);
  }
  assert.fail('tasks still down after 20 restart rounds');
}

export function balanceRecords(driver: TopologyTestDriver) {
  return driver.outputTopic<string, Balance>(TOPICS.balance).readAll();
}

export function paymentRecords(driver: TopologyTestDriver) {
  return driver.outputTopic<string, Payment>(TOPICS.payment).readAll();
}

/** account -> balance as a 2-decimal string, from the latest wallet.balance record of each account. */
export function latestBalances(driver: TopologyTestDriver): Record<string, string> {
  const latest = driver.outputTopic<string, Balance>(TOPICS.balance).readLatest();
  return Object.fromEntries([...latest].map(([k, v]) => [k, v.balance.toFixed(2)]).sort(([a], [b]) => a.localeCompare(b)));
}

/** account -> { balance, version, request_id } of the `balance` store of one accountant task. */
export async function balanceStore(driver: TopologyTestDriver, taskId: string): Promise<Record<string, { balance: string; version: number; request_id: string }>> {
  const entries = await driver.store<string, Balance>(taskId, 'balance');
  return Object.fromEntries(entries.map((e) => [e.key, { balance: e.value.balance.toFixed(2), version: e.value.version, request_id: e.value.request_id }]));
}

/** A byte store's content as hex pairs (for exact before/after comparisons). */
export async function byteStore(driver: TopologyTestDriver, taskId: string, name: string): Promise<Array<[string, string]>> {
  const entries = await driver.store<Buffer, Buffer>(taskId, name);
  return entries.map((e) => [e.key.toString('hex'), e.value.toString('hex')]);
}

export function sum(values: Iterable<Decimal | string>): Decimal {
  let total = new Decimal(0);
  for (const v of values) total = total.plus(v);
  return total;
}

/**
 * No duplicates on the output topics: exactly one OUTGOING and one INCOMING leg per request id on wallet.payment,
 * exactly one balance record per (account, request id) on wallet.balance, versions 1..n without gaps per account.
 */
export function assertNoDuplicateOutputs(driver: TopologyTestDriver, requestIds: Iterable<string>): void {
  const ids = [...new Set(requestIds)].sort();
  const payments = paymentRecords(driver);
  const legs = payments.map((p) => `${p.value.request_id}:${p.value.direction}`).sort();
  assert.deepEqual(legs, ids.flatMap((id) => [`${id}:INCOMING`, `${id}:OUTGOING`]).sort(), 'wallet.payment: one leg per (request id, direction)');
  const balances = balanceRecords(driver);
  assert.equal(balances.length, 2 * ids.length, 'wallet.balance: one record per applied leg');
  const perLeg = balances.map((b) => `${b.value.request_id}:${b.key}`);
  assert.equal(new Set(perLeg).size, perLeg.length, `wallet.balance has duplicate legs: ${perLeg.join(' ')}`);
  const versions = new Map<string, number[]>();
  for (const b of balances) versions.set(b.key, [...(versions.get(b.key) ?? []), b.value.version]);
  for (const [account, vs] of versions) {
    assert.deepEqual(vs, vs.map((_, i) => i + 1), `${account}: balance versions must be 1..n in order, got ${vs.join(',')}`);
  }
}
