import Decimal from 'decimal.js';
import { TransferRequest } from '../topology/wallet/types';

export interface WorkloadOptions {
  /** Distinct transfers (request ids). */
  transfers: number;
  /** Accounts the transfers move money between (named `acct-<i>`). */
  accounts?: number;
  /** Share of transfers a client sends twice (same request id, as a retry after a lost answer). */
  retries?: number;
  seed?: number;
}

/**
 * A repeatable stream of transfer requests (a tiny LCG, so every run and every system sees the same input): each
 * distinct transfer once, and a `retries` share of them a second time a little later, as a client retry would be.
 */
export function workload({ transfers, accounts = 8, retries = 0, seed = 1 }: WorkloadOptions): TransferRequest[] {
  let x = seed;
  const rnd = () => (x = (x * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  const account = (i: number) => `acct-${i}`;
  const out: TransferRequest[] = [];
  const pending: TransferRequest[] = [];
  for (let i = 0; i < transfers; i++) {
    const from = Math.floor(rnd() * accounts);
    let to = Math.floor(rnd() * accounts);
    if (to === from) to = (from + 1) % accounts;
    const t: TransferRequest = { request_id: `bench-${seed}-${i}`, from: account(from), to: account(to), amount: new Decimal(Math.floor(rnd() * 10000) + 1).div(100) };
    out.push(t);
    if (rnd() < retries) pending.push(t);
    // Retries arrive a few dozen requests after their original.
    if (pending.length > 0 && rnd() < 0.1) out.push(pending.shift()!);
  }
  out.push(...pending);
  return out;
}

/** The first workload's shape (8 accounts, no retries), kept for the API and the small Kafka bench. */
export function transfers(n: number, seed = 1): TransferRequest[] {
  return workload({ transfers: n, accounts: 8, seed });
}
