import Decimal from 'decimal.js';
import { AMOUNT_SCALE, MAX_TRANSFER_AMOUNT, type DepositRequest, type TransferRequest } from '../types';

/** The API's error body: `message`, and `code` for every error a client can act on (none for unparsable JSON). */
export interface ValidationError {
  message: string;
  code?: string;
}

export type ValidationResult = { ok: true; transfer: TransferRequest } | { ok: false; error: ValidationError };
export type DepositValidationResult = { ok: true; deposit: DepositRequest } | { ok: false; error: ValidationError };

// The original demo's answer to a body that is not a transfer object: a message and no code.
export const INVALID_JSON: ValidationError = Object.freeze({ message: 'problems parsing JSON' });

const HEX32 = /^[0-9a-f]{32}$/;
const CANONICAL = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
// Decimal notation, exponent allowed ("1e-30" is a valid decimal); hex, NaN and Infinity are things decimal.js
// would accept but a client sending money should not.
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const MIN_AMOUNT = new Decimal(10).pow(-AMOUNT_SCALE);
const MAX_AMOUNT = new Decimal(MAX_TRANSFER_AMOUNT);

// Key order message, code: the server serializes the error as-is.
const fail = (code: string, message: string): { ok: false; error: ValidationError } => ({ ok: false, error: { message, code } });
const AMOUNT_LT_MIN = () => fail('amount_lt_min', `ensure this value is greater than ${MIN_AMOUNT.toFixed(AMOUNT_SCALE)}`);

/**
 * An amount as the API takes it: a decimal string (a missing one is zero, as in the demo), at least 0.01 as sent,
 * then rounded half-up to cents and at most MAX_TRANSFER_AMOUNT.
 */
function parseAmount(raw: string): { ok: true; amount: Decimal } | { ok: false; error: ValidationError } {
  const rawAmount = raw || '0';
  if (!DECIMAL.test(rawAmount)) return fail('amount_invalid', 'amount must be a decimal number such as "10.50"');
  const exact = new Decimal(rawAmount);
  // An exponent beyond decimal.js's range parses as Infinity.
  if (!exact.isFinite()) return fail('amount_invalid', 'amount must be a finite decimal number');
  // The minimum applies to the amount as sent, before rounding: 0.009 is too small even though it rounds to 0.01.
  if (exact.lt(MIN_AMOUNT)) return AMOUNT_LT_MIN();
  const amount = exact.toDecimalPlaces(AMOUNT_SCALE, Decimal.ROUND_HALF_UP);
  // Checked after rounding (1000000000.004 is fine, 1000000000.005 is not); the bound keeps balances from overflowing.
  if (amount.gt(MAX_AMOUNT)) return fail('amount_gt_max', `ensure this value is less than or equal to ${MAX_TRANSFER_AMOUNT}`);
  return { ok: true, amount };
}

/** The fields of a JSON object body as trimmed strings; undefined when the body is not an object of string fields. */
function stringFields(body: unknown, keys: string[]): ((key: string) => string) | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const b = body as Record<string, unknown>;
  // A present-but-wrong-typed field is a shape error, like Go's json.Unmarshal refusing it; null counts as present.
  for (const key of keys) if (key in b && typeof b[key] !== 'string') return undefined;
  return (key) => ((b[key] as string | undefined) ?? '').trim();
}

/** Parses the UUID forms Go's UUID parsers accept; returns lowercase canonical 8-4-4-4-12, or undefined. */
export function normalizeUuid(raw: string): string | undefined {
  let s = raw.trim().toLowerCase();
  if (s.startsWith('urn:uuid:')) s = s.slice('urn:uuid:'.length);
  else if (s.startsWith('{') && s.endsWith('}')) s = s.slice(1, -1);
  else if (HEX32.test(s)) {
    s = `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
  }
  return CANONICAL.test(s) ? s : undefined;
}

/**
 * Checks a decoded JSON body against the transfer contract (the original demo's, see README); the first failing rule
 * wins, in the demo's order: request_id, from, amount, to, then ours (same_account).
 */
export function validateTransfer(body: unknown): ValidationResult {
  const str = stringFields(body, ['request_id', 'from', 'to', 'amount']);
  if (!str) return { ok: false, error: { ...INVALID_JSON } };

  const requestId = normalizeUuid(str('request_id'));
  if (requestId === undefined) return fail('request_id_invalid', 'transfer request ID must be valid UUID');

  const from = str('from');
  if (from === '') return fail('from_required', 'transfer sender account is required');

  const amount = parseAmount(str('amount'));
  if (!amount.ok) return amount;

  const to = str('to');
  if (to === '') return fail('to_required', 'transfer recipient account is required');
  if (from === to) return fail('same_account', 'from and to must be different accounts');

  return { ok: true, transfer: { request_id: requestId, from, to, amount: amount.amount } };
}

/**
 * Checks a decoded JSON body against the deposit contract, with the transfer's rules (the same request_id and
 * amount rules, messages in the demo's style): request_id, account, amount.
 */
export function validateDeposit(body: unknown): DepositValidationResult {
  const str = stringFields(body, ['request_id', 'account', 'amount']);
  if (!str) return { ok: false, error: { ...INVALID_JSON } };
  const requestId = normalizeUuid(str('request_id'));
  if (requestId === undefined) return fail('request_id_invalid', 'deposit request ID must be valid UUID');
  const account = str('account');
  if (account === '') return fail('account_required', 'deposit account is required');
  const amount = parseAmount(str('amount'));
  if (!amount.ok) return amount;
  return { ok: true, deposit: { request_id: requestId, account, amount: amount.amount } };
}
