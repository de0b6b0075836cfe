/**
 * The part of Avro's binary encoding the wallet's records use (long, string, bytes, enum, decimal bytes), read by
 * hand for the chaos checker. It shares nothing with src/serde (which uses avsc): an encoding bug there must not be
 * hidden by decoding it back with the same code.
 */

export class AvroDecodeError extends Error {}

/** Reads one datum's fields in schema order from `buf`; `finish()` fails if bytes are left over. */
export class AvroBinaryReader {
  private pos = 0;

  constructor(private readonly buf: Buffer) {}

  /** A zig-zag varint long (Avro `int` and `long` share it). */
  long(): bigint {
    let unsigned = 0n;
    let shift = 0n;
    for (let i = 0; ; i++) {
      if (i >= 10) throw new AvroDecodeError(`varint longer than 10 bytes at ${this.pos}`);
      const b = this.byte();
      unsigned |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) break;
      shift += 7n;
    }
    return (unsigned >> 1n) ^ -(unsigned & 1n);
  }

  /** A long that must fit a JS number exactly (lengths, enum indexes, versions). */
  smallLong(what: string): number {
    const v = this.long();
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) throw new AvroDecodeError(`${what} ${v} is out of range`);
    return Number(v);
  }

  bytes(): Buffer {
    const length = this.smallLong('bytes length');
    if (length < 0 || this.pos + length > this.buf.length) {
      throw new AvroDecodeError(`bytes of length ${length} at ${this.pos} run past the end (${this.buf.length} bytes)`);
    }
    const out = this.buf.subarray(this.pos, this.pos + length);
    this.pos += length;
    return out;
  }

  string(): string {
    return this.bytes().toString('utf8');
  }

  enumSymbol<S extends string>(symbols: readonly S[]): S {
    const index = this.smallLong('enum index');
    if (index < 0 || index >= symbols.length) throw new AvroDecodeError(`enum index ${index} is not one of ${symbols.join(', ')}`);
    return symbols[index];
  }

  /** A `bytes` decimal with the given scale, as a plain decimal string ("-12.30"). */
  decimal(scale: number): string {
    return decimalToString(this.bytes(), scale);
  }

  finish(): void {
    if (this.pos !== this.buf.length) throw new AvroDecodeError(`${this.buf.length - this.pos} trailing bytes after the datum`);
  }

  private byte(): number {
    if (this.pos >= this.buf.length) throw new AvroDecodeError(`datum ends early at byte ${this.pos}`);
    return this.buf[this.pos++];
  }
}

/** The unscaled value of an Avro decimal: a big-endian two's-complement integer of any length. */
export function unscaledValue(bytes: Uint8Array): bigint {
  if (bytes.length === 0) return 0n;
  const unsigned = BigInt(`0x${Buffer.from(bytes).toString('hex')}`);
  const negative = (bytes[0] & 0x80) !== 0;
  return negative ? unsigned - (1n << BigInt(bytes.length * 8)) : unsigned;
}

/** Formats an unscaled integer with `scale` decimal places: (-1230n, 2) -> "-12.30". */
export function formatScaled(unscaled: bigint, scale: number): string {
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  const point = digits.length - scale;
  const text = scale === 0 ? digits : `${digits.slice(0, point)}.${digits.slice(point)}`;
  return negative ? `-${text}` : text;
}

export function decimalToString(bytes: Uint8Array, scale: number): string {
  return formatScaled(unscaledValue(bytes), scale);
}
