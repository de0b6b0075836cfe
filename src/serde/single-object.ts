import { DeserializationError } from '../core/errors';
import { RegisteredSchema, SchemaCatalog } from './schema-catalog';
import { fingerprintHex } from './crc64-avro';

/** Avro single-object encoding: `C3 01`, 8-byte LE CRC-64-AVRO of the writer schema, then the binary datum. */
export const SINGLE_OBJECT_MARKER: Readonly<Buffer> = Buffer.from([0xc3, 0x01]);
export const SINGLE_OBJECT_HEADER_LENGTH = 10;

/** The 10-byte header for a writer schema; serdes build it once and prepend it to every body. */
export function singleObjectHeader(writer: RegisteredSchema): Buffer {
  return Buffer.concat([SINGLE_OBJECT_MARKER, writer.fingerprint]);
}

/** Encodes one value with its writer schema. Assumes the value is valid (the serde checks first). */
export function encodeSingleObject(writer: RegisteredSchema, value: unknown): Buffer {
  return Buffer.concat([singleObjectHeader(writer), writer.type.toBuffer(value)]);
}

/** Splits off the header. Too short or wrong marker is AVRO_BAD_MARKER: likely not single-object Avro at all. */
export function readSingleObjectHeader(data: Buffer): { fingerprint: Buffer; body: Buffer } {
  if (data.length < SINGLE_OBJECT_HEADER_LENGTH || data[0] !== 0xc3 || data[1] !== 0x01) {
    const head = data.subarray(0, 2).toString('hex') || '(empty)';
    throw new DeserializationError(
      `not Avro single-object encoding: expected marker c301 and ${SINGLE_OBJECT_HEADER_LENGTH}-byte header, ` +
        `got ${data.length} bytes starting ${head}`,
      { code: 'AVRO_BAD_MARKER' },
    );
  }
  return { fingerprint: data.subarray(2, SINGLE_OBJECT_HEADER_LENGTH), body: data.subarray(SINGLE_OBJECT_HEADER_LENGTH) };
}

/**
 * Decodes single-object bytes into the reader's shape: finds the writer schema by fingerprint, then resolves
 * writer -> reader (fields added with defaults are filled, removed ones skipped).
 */
export function decodeSingleObject(data: Buffer, catalog: SchemaCatalog, reader: RegisteredSchema): unknown {
  const { fingerprint, body } = readSingleObjectHeader(data);
  // The common case, bytes written with the reader's own schema, needs no catalog lookup and no resolution.
  const writer = fingerprint.equals(reader.fingerprint) ? reader : catalog.lookup(fingerprint);
  if (!writer) {
    throw new DeserializationError(
      `unknown Avro writer schema: fingerprint ${fingerprintHex(fingerprint)} is not registered ` +
        `(reader is ${reader.type.name ?? reader.canonicalForm})`,
      { code: 'AVRO_UNKNOWN_SCHEMA' },
    );
  }
  let resolver;
  try {
    resolver = catalog.resolver(writer, reader);
  } catch (cause) {
    throw new DeserializationError(
      `Avro writer schema ${writer.fingerprintHex} cannot be read as ${reader.type.name ?? reader.canonicalForm}: ` +
        errorMessage(cause),
      { code: 'AVRO_INCOMPATIBLE_SCHEMA', cause },
    );
  }
  try {
    // fromBuffer (not decode) so truncated bodies and trailing bytes both fail instead of passing silently.
    return reader.type.fromBuffer(body, resolver);
  } catch (cause) {
    throw new DeserializationError(
      `corrupt Avro body (${body.length} bytes, writer schema ${writer.fingerprintHex}): ${errorMessage(cause)}`,
      { code: 'AVRO_DECODE_FAILED', cause },
    );
  }
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
