import Decimal from 'decimal.js';
import { TransferRequest } from '../topology/wallet-types';

/** A repeatable stream of transfers between 8 accounts (a tiny LCG, so every run sees the same workload). */
const ACCOUNTS = ['Alice', 'Bob', 'John', 'Carol', 'Dave', 'Erin', 'Frank', 'Grace'];

export function transfers(n: number, seed = 1): TransferRequest[] {
  let x = seed;
  const rnd = () => ((x = (x * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  return Array.from({ length: n }, (_, i) => {
    const from = ACCOUNTS[Math.floor(rnd() * ACCOUNTS.length)];
    let to = ACCOUNTS[Math.floor(rnd() * ACCOUNTS.length)];
    if (to === from) to = ACCOUNTS[(ACCOUNTS.indexOf(from) + 1) % ACCOUNTS.length];
    return { request_id: `bench-${seed}-${i}`, from, to, amount: new Decimal(Math.floor(rnd() * 10000) + 1).div(100) };
  });
}

