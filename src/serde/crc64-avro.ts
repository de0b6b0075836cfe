/**
 * CRC-64-AVRO (Rabin) fingerprints, as the Avro specification defines them for schema fingerprinting and the
 * single-object encoding header. avsc only offers MD5/SHA fingerprints, so this is computed here.
 *
 * BigInt keeps the arithmetic readable and exact; fingerprints are computed once per schema (not per record),
 * so speed does not matter.
 */

/** The spec's seed value; also the fingerprint of the empty string. */
export const CRC64_AVRO_EMPTY = 0xc15d213aa4d7a795n;

const MASK64 = 0xffffffffffffffffn;

/** The 256-entry lookup table, built once (the spec's `fpTable` initialisation). */
const TABLE: readonly bigint[] = (() => {
  const table: bigint[] = [];
  for (let i = 0; i < 256; i++) {
    let fp = BigInt(i);
    for (let j = 0; j < 8; j++) {
      // `-(fp & 1)` is all ones when the low bit is set: XOR in the polynomial only then.
      fp = (fp >> 1n) ^ (CRC64_AVRO_EMPTY & (-(fp & 1n) & MASK64));
    }
    table.push(fp);
  }
  return table;
})();

/** The fingerprint as an unsigned 64-bit bigint. Strings are hashed as their UTF-8 bytes, as the spec requires. */
export function crc64Avro(data: string | Uint8Array): bigint {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let fp = CRC64_AVRO_EMPTY;
  for (const b of bytes) {
    fp = (fp >> 8n) ^ TABLE[Number((fp ^ BigInt(b)) & 0xffn)];
  }
  return fp;
}

/**
 * The fingerprint of a schema's Parsing Canonical Form as the 8 bytes the single-object header carries:
 * little-endian (the spec's header is LE even though Avro otherwise writes no fixed-width integers).
 */
export function fingerprint64(canonicalForm: string): Buffer {
  const out = Buffer.alloc(8);
  out.writeBigUInt64LE(crc64Avro(canonicalForm));
  return out;
}

/** Hex of a fingerprint as an unsigned big-endian number (how the spec and other tools print it). */
export function fingerprintHex(fingerprint: Buffer): string {
  return fingerprint.readBigUInt64LE().toString(16).padStart(16, '0');
}
