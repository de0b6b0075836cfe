/**
 * The wallet's three record kinds as the chaos checker reads them: each writer schema's Parsing Canonical Form
 * (copied by hand from schemas/*.avsc: names, types and field order only), and a decoder per schema reading the
 * fields in that order. A record whose fingerprint is none of these fails loudly instead of being guessed at.
 *
 * Amounts and balances stay decimal strings with two places; the checker does its arithmetic in integer cents.
 */
import { AvroBinaryReader, AvroDecodeError } from './avro-binary';
import { fingerprintBytes, splitSingleObject } from './single-object';

export interface TransferRequestRecord {
  request_id: string;
  from: string;
  to: string;
  amount: string;
}

export type Direction = 'OUTGOING' | 'INCOMING';
const DIRECTIONS: readonly Direction[] = ['OUTGOING', 'INCOMING'];

export interface PaymentRecord {
  request_id: string;
  account: string;
  direction: Direction;
  amount: string;
  /** Absent in legs written with the first Payment schema. */
  emission?: string;
}

export interface BalanceRecord {
  account: string;
  balance: string;
  currency: string;
  version: number;
  request_id: string;
}

const SCALE = 2;

export const CANONICAL_FORMS = {
  transferRequest:
    '{"name":"wallet.TransferRequest","type":"record","fields":[{"name":"request_id","type":"string"},{"name":"from","type":"string"},{"name":"to","type":"string"},{"name":"amount","type":"bytes"}]}',
  paymentV1:
    '{"name":"wallet.Payment","type":"record","fields":[{"name":"request_id","type":"string"},{"name":"account","type":"string"},{"name":"direction","type":{"name":"wallet.Direction","type":"enum","symbols":["OUTGOING","INCOMING"]}},{"name":"amount","type":"bytes"}]}',
  paymentV2:
    '{"name":"wallet.Payment","type":"record","fields":[{"name":"request_id","type":"string"},{"name":"account","type":"string"},{"name":"direction","type":{"name":"wallet.Direction","type":"enum","symbols":["OUTGOING","INCOMING"]}},{"name":"amount","type":"bytes"},{"name":"emission","type":"string"}]}',
  balance:
    '{"name":"wallet.Balance","type":"record","fields":[{"name":"account","type":"string"},{"name":"balance","type":"bytes"},{"name":"currency","type":"string"},{"name":"version","type":"long"},{"name":"request_id","type":"string"}]}',
} as const;

type Decoder<T> = (r: AvroBinaryReader) => T;

const transferRequest: Decoder<TransferRequestRecord> = (r) => ({ request_id: r.string(), from: r.string(), to: r.string(), amount: r.decimal(SCALE) });
const paymentV1: Decoder<PaymentRecord> = (r) => ({ request_id: r.string(), account: r.string(), direction: r.enumSymbol(DIRECTIONS), amount: r.decimal(SCALE) });
const paymentV2: Decoder<PaymentRecord> = (r) => ({ ...paymentV1(r), emission: r.string() });
const balance: Decoder<BalanceRecord> = (r) => ({ account: r.string(), balance: r.decimal(SCALE), currency: r.string(), version: r.smallLong('version'), request_id: r.string() });

/** Decoders of one record kind by writer fingerprint (hex). */
function byFingerprint<T>(entries: Array<[string, Decoder<T>]>): Map<string, Decoder<T>> {
  return new Map(entries.map(([form, decode]) => [fingerprintBytes(form).toString('hex'), decode]));
}

const DECODERS = {
  transferRequest: byFingerprint([[CANONICAL_FORMS.transferRequest, transferRequest]]),
  payment: byFingerprint([
    [CANONICAL_FORMS.paymentV2, paymentV2],
    [CANONICAL_FORMS.paymentV1, paymentV1],
  ]),
  balance: byFingerprint([[CANONICAL_FORMS.balance, balance]]),
};

function decodeWith<T>(kind: keyof typeof DECODERS, decoders: Map<string, Decoder<T>>, value: Buffer): T {
  const { fingerprintHex, datum } = splitSingleObject(value);
  const decode = decoders.get(fingerprintHex);
  if (!decode) throw new AvroDecodeError(`${kind}: unknown writer schema fingerprint ${fingerprintHex}`);
  const reader = new AvroBinaryReader(datum);
  const out = decode(reader);
  reader.finish();
  return out;
}

export const decodeTransferRequest = (value: Buffer): TransferRequestRecord => decodeWith('transferRequest', DECODERS.transferRequest, value);
export const decodePayment = (value: Buffer): PaymentRecord => decodeWith('payment', DECODERS.payment, value);
export const decodeBalance = (value: Buffer): BalanceRecord => decodeWith('balance', DECODERS.balance, value);
