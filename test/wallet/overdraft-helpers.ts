/**
 * Helpers for the overdraft-protection tests (not a spec file): a protected wallet in the driver, its inputs and
 * what its topics say.
 */
import Decimal from 'decimal.js';
import { TopologyTestDriver } from '../../src/testing';
import { TOPICS, buildWallet } from '../../topology/wallet/topology';
import { Balance, DepositRequest, Payment, TransferRequest, TransferStatus } from '../../topology/wallet/types';

export const protectedWallet = (limit = '0.00') => buildWallet({ overdraft: { limit } });

export const deposit = (request_id: string, account: string, amount: string): DepositRequest => ({ request_id, account, amount: new Decimal(amount) });

export function inputs(driver: TopologyTestDriver) {
  const transfers = driver.inputTopic<string, TransferRequest>(TOPICS.transferRequest);
  return {
    transfer: (id: string, from: string, to: string, amount: string) => transfers.pipe(id, { request_id: id, from, to, amount: new Decimal(amount) }),
    // Only a protected wallet reads deposits.
    deposit: (id: string, account: string, amount: string) => driver.inputTopic<string, DepositRequest>(TOPICS.depositRequest).pipe(id, deposit(id, account, amount)),
  };
}

/** request id -> its status records in log order, e.g. ['PENDING', 'COMPLETED']. */
export function statusHistory(driver: TopologyTestDriver): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const r of driver.outputTopic<string, TransferStatus>(TOPICS.transferStatus).readAll()) {
    out.set(r.key, [...(out.get(r.key) ?? []), r.value.status === 'REJECTED' ? `REJECTED:${r.value.reason}` : r.value.status]);
  }
  return out;
}

export const balances = (driver: TopologyTestDriver) => driver.outputTopic<string, Balance>(TOPICS.balance).readAll();
export const legs = (driver: TopologyTestDriver) => driver.outputTopic<string, Payment>(TOPICS.payment).readAll();

/** account -> latest balance as a 2-decimal string. */
export function latest(driver: TopologyTestDriver): Record<string, string> {
  const table = driver.outputTopic<string, Balance>(TOPICS.balance).readLatest();
  return Object.fromEntries([...table].map(([k, v]) => [k, v.balance.toFixed(2)]).sort(([a], [b]) => a.localeCompare(b)));
}
