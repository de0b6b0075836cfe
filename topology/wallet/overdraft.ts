/**
 * The wallet's sub-topologies with overdraft protection: the sender's accountant decides, once, whether a transfer
 * goes through, in the same transaction that debits the sender and emits the credit and the transfer's status.
 */
import Decimal from 'decimal.js';
import { Serdes, SubTopologyBuilder } from '../../src';
import { debitSerde, depositRequestSerde, paymentSerde, transferRequestSerde, transferStatusSerde } from './serdes';
import { Balance, CURRENCY, Debit, DepositRequest, Payment, TransferRequest, TransferStatus } from './types';
import { DEDUPE_RETENTION, checkDeposit, checkTransfer, emptyBalance, money } from './ledger';
import { balancesOut, legsIntoBalances } from './balances';

/** The topic names protection needs (all of them). */
export interface ProtectedTopics {
  transferRequest: string;
  depositRequest: string;
  payment: string;
  debit: string;
  balance: string;
  transferStatus: string;
}

export const INSUFFICIENT_FUNDS = 'insufficient_funds';

const S = Serdes.string();
const statusOut = { key: S, value: transferStatusSerde };

/** What the debit step decided for one debit instruction; `balance` is the sender's new balance when applied. */
export type DebitOutcome = { debit: Debit; applied: true; balance: Balance } | { debit: Debit; applied: false; balance: Balance };

/** Whether `balance` can pay `amount` without going below `-limit`. */
export const canPay = (balance: Decimal, amount: Decimal, limit: Decimal) => balance.minus(amount).gte(limit.neg());

/** The decision: applied (the sender's new balance) or rejected (its balance unchanged). */
export function decideDebit(current: Balance, debit: Debit, limit: Decimal): DebitOutcome {
  if (!canPay(current.balance, debit.amount, limit)) return { debit, applied: false, balance: current };
  const balance: Balance = { account: debit.from, balance: current.balance.minus(debit.amount), currency: CURRENCY, version: current.version + 1, request_id: debit.request_id };
  return { debit, applied: true, balance };
}

/** Payment step: accepted transfers become debit instructions for the sender's accountant; deposits become credits. */
export function protectedPayment(s: SubTopologyBuilder, topics: ProtectedTopics): void {
  const accepted = s
    .stream(topics.transferRequest, { serdes: { key: S, value: transferRequestSerde }, name: 'transfer-requests' })
    .dedupe({ name: 'transfer-dedupe', id: (r) => r.value.request_id, retention: DEDUPE_RETENTION })
    .map(
      (r) => {
        const t: TransferRequest = checkTransfer(r.value);
        const debit: Debit = { request_id: t.request_id, from: t.from, to: t.to, amount: t.amount, emission: `${r.source.partition}:${r.source.offset}` };
        return { key: t.from, value: debit };
      },
      { name: 'to-debit' },
    );
  accepted.to(topics.debit, {
    name: 'debits-out',
    serdes: { key: S, value: debitSerde },
    report: (r, at) => `${at.partition}:${at.offset} ${r.value.request_id} ${r.value.from} -> ${r.value.to} ${money(r.value.amount)} pending`,
  });
  accepted
    .map((r) => ({ key: r.value.request_id, value: { request_id: r.value.request_id, status: 'PENDING', reason: null } as TransferStatus }), { name: 'pending' })
    .to(topics.transferStatus, { name: 'pending-out', serdes: statusOut, compacted: true });

  s.stream(topics.depositRequest, { serdes: { key: S, value: depositRequestSerde }, name: 'deposit-requests' })
    .dedupe({ name: 'deposit-dedupe', id: (r) => r.value.request_id, retention: DEDUPE_RETENTION })
    .map(
      (r) => {
        const d: DepositRequest = checkDeposit(r.value);
        // A deposit's position is on another topic than a transfer's: its emission says so, so no leg id can clash.
        const leg: Payment = { request_id: d.request_id, account: d.account, direction: 'INCOMING', amount: d.amount, emission: `deposit:${r.source.partition}:${r.source.offset}` };
        return { key: d.account, value: leg };
      },
      { name: 'deposit-legs' },
    )
    .to(topics.payment, {
      name: 'deposits-out',
      serdes: { key: S, value: paymentSerde },
      report: (r, at) => `${at.partition}:${at.offset} ${r.value.request_id} ${r.value.account} +${money(r.value.amount)} deposit`,
    });
}

/** Accountant: credits fold into balances; debits are decided against the same balance store. */
export function protectedAccountant(s: SubTopologyBuilder, topics: ProtectedTopics, limit: Decimal): void {
  legsIntoBalances(s, topics);

  s.stream(topics.debit, { serdes: { key: S, value: debitSerde }, name: 'debits-in' })
    // Drops replays of one emission; whether a retried request is new was decided once, by the payment step.
    .dedupe({ name: 'debit-dedupe', id: (r) => `${r.value.request_id}:${r.value.emission}`, retention: DEDUPE_RETENTION })
    .process<string, DebitOutcome>({
      name: 'debit',
      stores: ['balance'],
      process: async (r, api) => {
        const balances = api.store<string, Balance>('balance');
        const current = (await balances.get(r.value.from)) ?? emptyBalance(r.value.from);
        const outcome = decideDebit(current, r.value, limit);
        if (outcome.applied) balances.put(r.value.from, outcome.balance);
        api.forward({ key: r.value.request_id, value: outcome });
      },
    })
    .split({ name: 'debit-outcome' })
    .branch(
      (r) => !r.value.applied,
      (rejected) =>
        rejected
          .map((r) => ({ key: r.key, value: { request_id: r.key, status: 'REJECTED', reason: INSUFFICIENT_FUNDS } as TransferStatus }), { name: 'rejected' })
          .to(topics.transferStatus, { name: 'rejected-out', serdes: statusOut, compacted: true, report: (r) => `${r.value.request_id} rejected: ${INSUFFICIENT_FUNDS}` }),
      { name: 'rejected' },
    )
    .defaultBranch(
      (applied) => {
        applied.map((r) => ({ key: r.value.balance.account, value: r.value.balance }), { name: 'debited-balance' }).to(topics.balance, balancesOut('debited-balances-out'));
        applied
          .map((r) => {
            const d = r.value.debit;
            const credit: Payment = { request_id: d.request_id, account: d.to, direction: 'INCOMING', amount: d.amount, emission: d.emission };
            return { key: d.to, value: credit };
          }, { name: 'credit' })
          .to(topics.payment, { name: 'credits-out', serdes: { key: S, value: paymentSerde } });
        applied
          .map((r) => ({ key: r.key, value: { request_id: r.key, status: 'COMPLETED', reason: null } as TransferStatus }), { name: 'completed' })
          .to(topics.transferStatus, { name: 'completed-out', serdes: statusOut, compacted: true });
      },
      { name: 'applied' },
    );
}
