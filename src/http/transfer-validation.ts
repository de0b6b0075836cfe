import Decimal from 'decimal.js';
import { AMOUNT_PRECISION, AMOUNT_SCALE, type TransferRequest } from '../../topology/wallet-types';

export interface ValidationError {
  message: string;
  code: string;
}

export type ValidationResult = { ok: true; transfer: TransferRequest } | { ok: false; error: ValidationError };

export const INVALID_JSON: ValidationError = Object.freeze({ message: 'problems parsing JSON', code: 'invalid_json' });

const HEX32 = /^[0-9a-f]{32}$/;
const CANONICAL = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
// Plain decimal notation only: exponents, hex, NaN and Infinity are things decimal.js would accept but a client
// sending money should not.
const PLAIN_DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/;
const MIN_AMOUNT = new Decimal(10).pow(-AMOUNT_SCALE);
// decimal(18, 2) holds values strictly below 10^16.
const AMOUNT_LIMIT = new Decimal(10).pow(AMOUNT_PRECISION - AMOUNT_SCALE);

// Key order message, code: the server serializes the error as-is.
const fail = (code: string, message: string): ValidationResult => ({ ok: false, error: { message, code } });

/** Parses the UUID forms Go's google/uuid accepts; returns lowercase canonical 8-4-4-4-12, or undefined. */
export function normalizeUuid(raw: string): string | undefined {
  let s = raw.trim().toLowerCase();
  if (s.startsWith('urn:uuid:')) s = s.slice('urn:uuid:'.length);
  else if (s.startsWith('{') && s.endsWith('}')) s = s.slice(1, -1);
  else if (HEX32.test(s)) {
    s = `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
  }
  return CANONICAL.test(s) ? s : undefined;
}

/** Checks a decoded JSON body against the transfer contract; the first failing rule wins. */
export function validateTransfer(body: unknown): ValidationResult {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { ok: false, error: { ...INVALID_JSON } };
  const b = body as Record<string, unknown>;
  // A present-but-wrong-typed field is a shape error, like Go's json.Unmarshal refusing it; null counts as present.
  for (const key of ['request_id', 'from', 'to', 'amount']) {
    if (key in b && typeof b[key] !== 'string') return { ok: false, error: { ...INVALID_JSON } };
  }
  const str = (key: string): string => ((b[key] as string | undefined) ?? '').trim();

  const requestId = normalizeUuid(str('request_id'));
  if (requestId === undefined) return fail('request_id_invalid', 'request_id must be a UUID');

  const from = str('from');
  if (from === '') return fail('from_required', 'from is required');

  const rawAmount = str('amount');
  if (rawAmount === '') return fail('amount_lt_min', 'amount must be at least 0.01');
  if (!PLAIN_DECIMAL.test(rawAmount)) return fail('amount_invalid', 'amount must be a decimal number such as "10.50"');
  const amount = new Decimal(rawAmount).toDecimalPlaces(AMOUNT_SCALE, Decimal.ROUND_HALF_UP);
  // Checked after rounding: 9999999999999999.995 rounds up to 17 integer digits.
  if (amount.abs().gte(AMOUNT_LIMIT)) return fail('amount_invalid', 'amount must have at most 16 integer digits');
  if (amount.lt(MIN_AMOUNT)) return fail('amount_lt_min', 'amount must be at least 0.01');

  const to = str('to');
  if (to === '') return fail('to_required', 'to is required');
  if (from === to) return fail('same_account', 'from and to must be different accounts');

  return { ok: true, transfer: { request_id: requestId, from, to, amount } };
}
