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
 * With overdraft protection (`overdraft: { limit }`) the sender's accountant decides whether a transfer goes through:
 *
 *   wallet.transfer_request ─ payment: dedupe ─┬─ debit instruction (key: from) → wallet.debit
 *                                               └─ PENDING → wallet.transfer_status
 *   wallet.deposit_request  ─ payment: dedupe ─── INCOMING leg (key: account) → wallet.payment
 *   wallet.debit   ─ accountant: dedupe ─ debit (balance store) ─┬─ rejected: REJECTED → wallet.transfer_status
 *                                                                └─ applied: balance → wallet.balance,
 *                                                                   credit (key: to) → wallet.payment,
 *                                                                   COMPLETED → wallet.transfer_status
 *   wallet.payment ─ accountant: dedupe ─ aggregate (balance store) → wallet.balance
 *
 * The decision, the debit, the credit and the status are one transaction of the sender's accountant task, so a
 * transfer is decided exactly once and the credit follows it, still without a transaction across partitions.
 *
 * Each step commits its outputs, store changes and input offsets in one transaction, so a crash anywhere replays
 * uncommitted work only; the dedupe stores make retries by clients harmless as well.
 */
import Decimal from 'decimal.js';
import { defineTopology, ErrorPolicy, Serdes, SubTopologyBuilder, Topology, TopologyOptions } from '../../src';
import { paymentSerde, transferRequestSerde } from './serdes';
import { DEDUPE_RETENTION, money, splitTransfer } from './ledger';
import { legsIntoBalances } from './balances';
import { protectedAccountant, protectedPayment } from './overdraft';

export interface WalletTopics {
  transferRequest: string;
  payment: string;
  balance: string;
  /** Overdraft protection's topics (a wallet without it neither reads nor writes them). */
  depositRequest?: string;
  debit?: string;
  transferStatus?: string;
}

export const TOPICS: Required<WalletTopics> = {
  transferRequest: 'wallet.transfer_request',
  payment: 'wallet.payment',
  balance: 'wallet.balance',
  depositRequest: 'wallet.deposit_request',
  debit: 'wallet.debit',
  transferStatus: 'wallet.transfer_status',
};

export interface OverdraftOptions {
  /**
   * How far below zero a sender's balance may go, e.g. '0.00' (never below zero) or '100.00'. A transfer that would
   * take the sender further is rejected (`insufficient_funds`) and changes no balance.
   */
  limit: string | Decimal;
}

export interface WalletOptions extends TopologyOptions {
  /** Application id: prefixes changelogs, consumer groups and transactional ids. Default `wallet`. */
  applicationId?: string;
  /** Topic names, for running several wallets on one cluster (tests do). */
  topics?: WalletTopics;
  /**
   * Overdraft protection: a transfer is applied only if the sender can pay; money enters through deposits, and each
   * transfer's status is kept on `wallet.transfer_status`. Off by default (the original demo's behaviour: balances
   * may go below zero).
   */
  overdraft?: OverdraftOptions;
}

export { DEDUPE_RETENTION, splitTransfer, applyLeg } from './ledger';
export { INSUFFICIENT_FUNDS } from './overdraft';

/**
 * The wallet's error policy. A bad transfer request is dead-lettered whole by the payment step (original bytes and
 * error to `<app>-dead-letter`), and payments go on. Anything failing in the accountant stops it instead, with
 * nothing of its batch committed: a dead-lettered leg would apply one half of a transfer (money created or
 * destroyed), so when in doubt the accountant stops and says why, and resumes once fixed (an upgrade that reads a
 * new schema, a repaired record).
 */
export function wholeRequestsOnly(...requestTopics: string[]): ErrorPolicy {
  const requests = new Set(requestTopics);
  return (_error, record) => (requests.has(record.topic) ? 'dead-letter' : 'fail');
}

/** The most an overdraft limit may be: far inside decimal(18, 2), so a balance cannot overflow downwards either. */
const MAX_OVERDRAFT_LIMIT = new Decimal('1000000000000.00');

/** The overdraft limit as a decimal, refusing what is not a non-negative amount with at most two decimal places. */
export function overdraftLimit(limit: string | Decimal): Decimal {
  let d: Decimal;
  try {
    d = new Decimal(limit);
  } catch {
    throw new Error(`overdraft limit must be a decimal amount such as '0.00', got '${String(limit)}'`);
  }
  if (!d.isFinite() || d.isNeg() || d.decimalPlaces() > 2 || d.gt(MAX_OVERDRAFT_LIMIT)) {
    throw new Error(`overdraft limit must be an amount from 0.00 to ${MAX_OVERDRAFT_LIMIT.toFixed(2)} with at most two decimal places, got '${String(limit)}'`);
  }
  return d;
}

export function buildWallet(options: WalletOptions = {}) {
  const topics = { ...TOPICS, ...options.topics };
  const limit = options.overdraft ? overdraftLimit(options.overdraft.limit) : undefined;
  const policy = limit ? wholeRequestsOnly(topics.transferRequest, topics.depositRequest) : wholeRequestsOnly(topics.transferRequest);
  return defineTopology(
    options.applicationId ?? 'wallet',
    (t) => {
      if (limit) {
        t.subTopology('payment', (s) => protectedPayment(s, topics));
        t.subTopology('accountant', (s) => protectedAccountant(s, topics, limit));
      } else {
        t.subTopology('payment', (s) => payment(s, topics));
        t.subTopology('accountant', (s) => accountant(s, topics));
      }
    },
    {
      partitions: options.partitions ?? 2,
      // A poison record must not stop payments, nor be lost: it goes to wallet-dead-letter with its error.
      errors: { deserialization: policy, processing: policy, production: policy, ...options.errors },
    },
  );
}

/** The original demo's payment step: drop retried requests, split each transfer into its two legs. */
function payment(s: SubTopologyBuilder, topics: WalletTopics): void {
  s.stream(topics.transferRequest, { serdes: { key: Serdes.string(), value: transferRequestSerde }, name: 'transfer-requests' })
    // Clients retry with the same request id; only the first request of an id becomes payments.
    .dedupe({ name: 'transfer-dedupe', id: (r) => r.value.request_id, retention: DEDUPE_RETENTION })
    .flatMap((r) => splitTransfer(r.value, `${r.source.partition}:${r.source.offset}`), { name: 'split-legs' })
    .to(topics.payment, {
      name: 'payments-out',
      serdes: { key: Serdes.string(), value: paymentSerde },
      report: (r, at) => `${at.partition}:${at.offset} ${r.value.request_id} ${r.value.account} ${r.value.direction === 'OUTGOING' ? '-' : '+'}${money(r.value.amount)}`,
    });
}

/** The original demo's accountant: drop replayed legs, add each leg to its account's balance (it may go below zero). */
function accountant(s: SubTopologyBuilder, topics: WalletTopics): void {
  legsIntoBalances(s, topics);
}

const DEFAULT_TOPICS = TOPICS;

/** Topic names for a wallet whose topics carry `prefix` instead of `wallet.`. */
export function walletTopics(prefix: string): Required<WalletTopics> {
  return {
    transferRequest: `${prefix}transfer_request`,
    payment: `${prefix}payment`,
    balance: `${prefix}balance`,
    depositRequest: `${prefix}deposit_request`,
    debit: `${prefix}debit`,
    transferStatus: `${prefix}transfer_status`,
  };
}

export const wallet = buildWallet();
export default wallet;

/** The topic names of a wallet-shaped topology (what `serve` and `dev` need), whatever its prefix. */
export function walletTopicsOf(topology: Topology): WalletTopics {
  const topicOf = (node: string) => {
    const n = topology.node(node);
    return n.kind === 'source' || n.kind === 'sink' ? n.topic : undefined;
  };
  const protectedWallet = hasOverdraftProtection(topology);
  return {
    transferRequest: topicOf('transfer-requests')!,
    payment: topicOf('payments-in')!,
    balance: topicOf('balances-out')!,
    ...(protectedWallet ? { depositRequest: topicOf('deposit-requests'), debit: topicOf('debits-in'), transferStatus: topicOf('pending-out') } : {}),
  };
}

/** Whether a wallet-shaped topology was built with overdraft protection (it then takes deposits and keeps statuses). */
export function hasOverdraftProtection(topology: Topology): boolean {
  return topology.subTopology('payment').sources.some((s) => s.name === 'deposit-requests');
}
