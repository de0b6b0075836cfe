/**
 * The wallet's bookkeeping rules, shared by both shapes of the wallet (with and without overdraft protection): what a
 * valid request is, the legs of a transfer, and how a leg changes a balance.
 */
import Decimal from 'decimal.js';
import { Balance, CURRENCY, DepositRequest, MAX_TRANSFER_AMOUNT, Payment, TransferRequest } from './types';

const MAX_AMOUNT = new Decimal(MAX_TRANSFER_AMOUNT);

/** How long request ids are remembered: a client retry after this is treated as a new transfer. */
export const DEDUPE_RETENTION = '7d';

export const money = (d: Decimal) => `$${d.abs().toFixed(2)}`;

/** An amount one request may move: positive and bounded, so no balance can overflow decimal(18, 2). */
function checkAmount(what: string, amount: Decimal): void {
  if (!amount.isFinite() || amount.lte(0)) throw new Error(`${what}: amount must be positive, got ${amount.toString()}`);
  if (amount.gt(MAX_AMOUNT)) throw new Error(`${what}: amount ${amount.toFixed(2)} is more than one request may move (at most ${MAX_TRANSFER_AMOUNT}, so no balance can overflow)`);
}

/** Refuses transfers that no valid producer can write (the payment step dead-letters them whole). */
export function checkTransfer(t: TransferRequest): TransferRequest {
  checkAmount(`transfer ${t.request_id}`, t.amount);
  if (!t.from.trim() || !t.to.trim()) throw new Error(`transfer ${t.request_id}: from and to are required`);
  if (t.from === t.to) throw new Error(`transfer ${t.request_id}: from and to are the same account ${t.from}`);
  return t;
}

/** Refuses deposits that no valid producer can write (the payment step dead-letters them whole). */
export function checkDeposit(d: DepositRequest): DepositRequest {
  checkAmount(`deposit ${d.request_id}`, d.amount);
  if (!d.account.trim()) throw new Error(`deposit ${d.request_id}: account is required`);
  return d;
}

/** The two legs of a transfer; refuses transfers that no valid producer can write (they go to the dead letters). */
export function splitTransfer(t: TransferRequest, emission: string): Array<{ key: string; value: Payment }> {
  checkTransfer(t);
  return [
    { key: t.from, value: { request_id: t.request_id, account: t.from, direction: 'OUTGOING', amount: t.amount, emission } },
    { key: t.to, value: { request_id: t.request_id, account: t.to, direction: 'INCOMING', amount: t.amount, emission } },
  ];
}

export const emptyBalance = (account: string): Balance => ({ account, balance: new Decimal(0), currency: CURRENCY, version: 0, request_id: '' });

/** A balance after a leg: one more version, stamped with the leg's request. */
export function applyLeg(balance: Balance, leg: Payment): Balance {
  const delta = leg.direction === 'OUTGOING' ? leg.amount.neg() : leg.amount;
  return { account: leg.account, balance: balance.balance.plus(delta), currency: CURRENCY, version: balance.version + 1, request_id: leg.request_id };
}

/** The dedupe id of a leg: (request, emission, direction). */
export const legId = (leg: Payment) => `${leg.request_id}:${leg.emission}:${leg.direction}`;

export const balanceLine = (b: Balance) => `${b.account} balance: ${b.balance.toFixed(2)} ${b.currency}`;
