/**
 * Avro single-object encoding, read by hand for the chaos checker: `C3 01`, the 8-byte little-endian CRC-64-AVRO
 * (Rabin) fingerprint of the writer schema's Parsing Canonical Form, then the binary datum. The fingerprint is
 * computed here from the canonical form text, following the algorithm in the Avro specification, so the checker
 * knows which writer schema a record claims without the runtime's schema catalog.
 */
import { AvroDecodeError } from './avro-binary';

const MARKER = [0xc3, 0x01];
const HEADER_LENGTH = 10;
const MASK_64 = (1n << 64n) - 1n;

/** CRC-64-AVRO of the empty input, and the polynomial the table is built from (Avro specification). */
export const CRC64_AVRO_EMPTY = 0xc15d213aa4d7a795n;

const TABLE: bigint[] = Array.from({ length: 256 }, (_, i) => {
  let fp = BigInt(i);
  for (let j = 0; j < 8; j++) fp = (fp >> 1n) ^ (CRC64_AVRO_EMPTY & -(fp & 1n) & MASK_64);
  return fp;
});

/** The 64-bit Rabin fingerprint of a schema's Parsing Canonical Form. */
export function crc64Avro(canonicalForm: string): bigint {
  let fp = CRC64_AVRO_EMPTY;
  for (const b of Buffer.from(canonicalForm, 'utf8')) fp = (fp >> 8n) ^ TABLE[Number((fp ^ BigInt(b)) & 0xffn)];
  return fp;
}

/** The 8 header bytes for a canonical form: its fingerprint, little-endian. */
export function fingerprintBytes(canonicalForm: string): Buffer {
  const out = Buffer.alloc(8);
  out.writeBigUInt64LE(crc64Avro(canonicalForm));
  return out;
}

/** Splits a single-object record into its writer fingerprint (hex of the 8 header bytes) and its datum. */
export function splitSingleObject(data: Buffer): { fingerprintHex: string; datum: Buffer } {
  if (data.length < HEADER_LENGTH || data[0] !== MARKER[0] || data[1] !== MARKER[1]) {
    throw new AvroDecodeError(`not Avro single-object encoding (${data.length} bytes starting ${data.subarray(0, 2).toString('hex') || '(empty)'}, expected c301)`);
  }
  return { fingerprintHex: data.subarray(2, HEADER_LENGTH).toString('hex'), datum: data.subarray(HEADER_LENGTH) };
}
