/**
 * The wallet (after "Designing Data-Intensive Applications"): a payment between two accounts without an atomic
 * commit across partitions.
 *
 *   wallet.transfer_request (key: request id)
 *     └─ payment:    drop retried requests, split each transfer into an OUTGOING and an INCOMING leg
 *   wallet.payment (key: account)
 *     └─ accountant: drop legs already applied, add each leg to its account's balance
 *   wallet.balance (key: account)
 *
 * Each step commits its outputs, store changes and input offsets in one transaction, so a crash anywhere replays
 * uncommitted work only; the dedupe stores make retries by clients harmless as well.
 */
import Decimal from 'decimal.js';
import { defineTopology, ErrorPolicy, Serdes, Topology, TopologyOptions } from '../../src';
import { balanceSerde, paymentSerde, transferRequestSerde } from './serdes';
import { Balance, CURRENCY, MAX_TRANSFER_AMOUNT, Payment, TransferRequest } from './types';

const MAX_AMOUNT = new Decimal(MAX_TRANSFER_AMOUNT);

export interface WalletTopics {
  transferRequest: string;
  payment: string;
  balance: string;
}

export const TOPICS: WalletTopics = {
  transferRequest: 'wallet.transfer_request',
  payment: 'wallet.payment',
  balance: 'wallet.balance',
};

export interface WalletOptions extends TopologyOptions {
  /** Application id: prefixes changelogs, consumer groups and transactional ids. Default `wallet`. */
  applicationId?: string;
  /** Topic names, for running several wallets on one cluster (tests do). */
  topics?: WalletTopics;
}

/** How long request ids are remembered: a client retry after this is treated as a new transfer. */
export const DEDUPE_RETENTION = '7d';

const money = (d: Decimal) => `$${d.abs().toFixed(2)}`;

/** The two legs of a transfer; refuses transfers that no valid producer can write (they go to the dead letters). */
export function splitTransfer(t: TransferRequest, emission: string): Array<{ key: string; value: Payment }> {
  if (!t.amount.isFinite() || t.amount.lte(0)) throw new Error(`transfer ${t.request_id}: amount must be positive, got ${t.amount.toString()}`);
  if (t.amount.gt(MAX_AMOUNT)) throw new Error(`transfer ${t.request_id}: amount ${t.amount.toFixed(2)} is more than one transfer may move (at most ${MAX_TRANSFER_AMOUNT}, so no balance can overflow)`);
  if (!t.from.trim() || !t.to.trim()) throw new Error(`transfer ${t.request_id}: from and to are required`);
  if (t.from === t.to) throw new Error(`transfer ${t.request_id}: from and to are the same account ${t.from}`);
  return [
    { key: t.from, value: { request_id: t.request_id, account: t.from, direction: 'OUTGOING', amount: t.amount, emission } },
    { key: t.to, value: { request_id: t.request_id, account: t.to, direction: 'INCOMING', amount: t.amount, emission } },
  ];
}

export function applyLeg(balance: Balance, leg: Payment): Balance {
  const delta = leg.direction === 'OUTGOING' ? leg.amount.neg() : leg.amount;
  return { account: leg.account, balance: balance.balance.plus(delta), currency: CURRENCY, version: balance.version + 1, request_id: leg.request_id };
}

/**
 * The wallet's error policy. A bad transfer request is dead-lettered whole by the payment step (original bytes and
 * error to `<app>-dead-letter`), and payments go on. Anything failing in the accountant stops it instead, with
 * nothing of its batch committed: a dead-lettered leg would apply one half of a transfer (money created or
 * destroyed), so when in doubt the accountant stops and says why, and resumes once fixed (an upgrade that reads a
 * new schema, a repaired record).
 */
export function wholeRequestsOnly(transferRequestTopic: string): ErrorPolicy {
  return (_error, record) => (record.topic === transferRequestTopic ? 'dead-letter' : 'fail');
}

export function buildWallet(options: WalletOptions = {}) {
  const TOPICS = options.topics ?? DEFAULT_TOPICS;
  const policy = wholeRequestsOnly(TOPICS.transferRequest);
  return defineTopology(
    options.applicationId ?? 'wallet',
    (t) => {
      t.subTopology('payment', (s) =>
        s
          .stream(TOPICS.transferRequest, { serdes: { key: Serdes.string(), value: transferRequestSerde }, name: 'transfer-requests' })
          // Clients retry with the same request id; only the first request of an id becomes payments.
          .dedupe({ name: 'transfer-dedupe', id: (r) => r.value.request_id, retention: DEDUPE_RETENTION })
          .flatMap((r) => splitTransfer(r.value, `${r.source.partition}:${r.source.offset}`), { name: 'split-legs' })
          .to(TOPICS.payment, {
            name: 'payments-out',
            serdes: { key: Serdes.string(), value: paymentSerde },
            report: (r, at) => `${at.partition}:${at.offset} ${r.value.request_id} ${r.value.account} ${r.value.direction === 'OUTGOING' ? '-' : '+'}${money(r.value.amount)}`,
          }),
      );
      t.subTopology('accountant', (s) =>
        s
          .stream(TOPICS.payment, { serdes: { key: Serdes.string(), value: paymentSerde }, name: 'payments-in' })
          // Drops replays of a leg. A leg is (request, emission, direction): both legs of one transfer may land in this
          // partition and both apply; whether a retried request is new was decided once, by the payment step.
          .dedupe({ name: 'payment-dedupe', id: (r) => `${r.value.request_id}:${r.value.emission}:${r.value.direction}`, retention: DEDUPE_RETENTION })
          .aggregate({
            name: 'balance',
            key: (r) => r.value.account,
            init: (account: string): Balance => ({ account, balance: new Decimal(0), currency: CURRENCY, version: 0, request_id: '' }),
            add: (balance, r) => applyLeg(balance, r.value),
            serdes: { key: Serdes.string(), value: balanceSerde },
          })
          .to(TOPICS.balance, {
            name: 'balances-out',
            serdes: { key: Serdes.string(), value: balanceSerde },
            report: (r) => `${r.value.account} balance: ${r.value.balance.toFixed(2)} ${r.value.currency}`,
            // The balances are a table: an account idle for a week must still have its balance (serve reads it).
            compacted: true,
          }),
      );
    },
    {
      partitions: options.partitions ?? 2,
      // A poison record must not stop payments, nor be lost: it goes to wallet-dead-letter with its error.
      errors: { deserialization: policy, processing: policy, production: policy, ...options.errors },
    },
  );
}

const DEFAULT_TOPICS = TOPICS;

/** Topic names for a wallet whose topics carry `prefix` instead of `wallet.`. */
export function walletTopics(prefix: string): WalletTopics {
  return { transferRequest: `${prefix}transfer_request`, payment: `${prefix}payment`, balance: `${prefix}balance` };
}

export const wallet = buildWallet();
export default wallet;

/** The topic names of a wallet-shaped topology (what `serve` and `dev` need), whatever its prefix. */
export function walletTopicsOf(topology: Topology): WalletTopics {
  return {
    transferRequest: topology.subTopology('payment').sources[0].topic,
    payment: topology.subTopology('accountant').sources[0].topic,
    balance: topology.subTopology('accountant').sinks[0].topic,
  };
}
