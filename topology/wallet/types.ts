import Decimal from 'decimal.js';

/** A client's request to move money. Keyed by `request_id` on `wallet.transfer_request`. */
export interface TransferRequest {
  request_id: string;
  from: string;
  to: string;
  amount: Decimal;
}

export type Direction = 'OUTGOING' | 'INCOMING';

/** One leg of a transfer. Keyed by `account` on `wallet.payment`. */
export interface Payment {
  request_id: string;
  account: string;
  direction: Direction;
  /** Always positive; `direction` says whether it is taken or given. */
  amount: Decimal;
  /**
   * `partition:offset` of the transfer request that produced this leg. The accountants dedupe on (request, emission,
   * direction): their job is to drop replays of a leg, while deciding whether a retried request is new is the payment
   * step's alone — otherwise two accountants with different clocks could disagree and apply only one leg.
   */
  emission: string;
}

/** An account's balance after a leg was applied. Keyed by `account` on `wallet.balance`. */
export interface Balance {
  account: string;
  balance: Decimal;
  currency: string;
  /** How many distinct legs made this balance; lets readers order versions of one account. */
  version: number;
  /** The leg that produced this version. */
  request_id: string;
}

/** Amounts carry two decimal places on the wire (Avro decimal, scale 2) and never pass through a JS number. */
export const AMOUNT_SCALE = 2;
/** decimal(18, 2): up to 16 integer digits. Larger amounts are refused at the edge instead of failing in a serde. */
export const AMOUNT_PRECISION = 18;
export const CURRENCY = 'USD';
/**
 * The largest amount one transfer may move. A balance is a decimal(18, 2) too, so it must stay below 10^16 in
 * magnitude: with transfers of at most 10^9, it takes ten million of the largest possible transfers into one account
 * before a balance could overflow. The bound is checked at the edge (the API) and again by the payment step, which
 * refuses a whole request before splitting it; an accountant never dead-letters a leg (that would apply one half of
 * a transfer), it stops instead.
 */
export const MAX_TRANSFER_AMOUNT = '1000000000.00';

/** Money entering the wallet (overdraft protection on). Keyed by `request_id` on `wallet.deposit_request`. */
export interface DepositRequest {
  request_id: string;
  account: string;
  amount: Decimal;
}

/**
 * An accepted transfer on its way to the sender's accountant (overdraft protection on), keyed by `from` on
 * `wallet.debit`: the task that holds the sender's balance decides, once, whether the sender can pay.
 */
export interface Debit {
  request_id: string;
  from: string;
  to: string;
  amount: Decimal;
  /** `partition:offset` of the transfer request; the credit carries it on as its emission. */
  emission: string;
}

export type TransferState = 'PENDING' | 'COMPLETED' | 'REJECTED';

/** Where a transfer stands. Keyed by `request_id` on `wallet.transfer_status` (compacted). */
export interface TransferStatus {
  request_id: string;
  status: TransferState;
  /** Why a transfer was rejected: `insufficient_funds`. Null otherwise. */
  reason: string | null;
}
