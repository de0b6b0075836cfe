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
