import Decimal from 'decimal.js';
import { Schema, Type, types } from 'avsc';

/**
 * Avro `decimal` on `bytes` for avsc, with decimal.js `Decimal` values in code.
 *
 * Wire form (Avro spec): the unscaled value (value × 10^scale) as a big-endian two's-complement integer of
 * minimal length. Money never passes through a JS number, and nothing is ever rounded: a value that does not
 * fit `decimal(precision, scale)` is refused (see `problem`), so the caller fixes it at the edge.
 */
export class DecimalType extends types.LogicalType {
  readonly precision: number;
  readonly scale: number;
  /** 10^precision: every unscaled value must be strictly below it in magnitude. */
  private readonly limit: bigint;
  private readonly limitNumber: number;

  constructor(schema: Schema, opts?: unknown) {
    super(schema, opts);
    const attrs = schema as { precision?: unknown; scale?: unknown };
    const precision = attrs.precision;
    const scale = attrs.scale ?? 0; // the spec's default scale
    // Throwing here makes avsc fall back to plain bytes (the spec's rule for invalid logical types), unless
    // `assertLogicalTypes` is set, which our catalog does so a typo in a schema fails loudly instead.
    if (!Type.isType(this.underlyingType, 'bytes')) {
      throw new Error('decimal is only supported on bytes');
    }
    if (typeof precision !== 'number' || !Number.isInteger(precision) || precision < 1) {
      throw new Error(`decimal precision must be a positive integer, got ${String(precision)}`);
    }
    if (typeof scale !== 'number' || !Number.isInteger(scale) || scale < 0 || scale > precision) {
      throw new Error(`decimal scale must be an integer in [0, precision], got ${String(scale)}`);
    }
    this.precision = precision;
    this.scale = scale;
    this.limit = 10n ** BigInt(precision);
    this.limitNumber = precision <= 15 ? 10 ** precision : Infinity; // beyond 15 digits no 48-bit value reaches it
  }

  /** Why `value` cannot be encoded, or undefined when it can. Used for the serializer's error message. */
  problem(value: unknown): string | undefined {
    if (!Decimal.isDecimal(value)) {
      return `expected a Decimal, got ${describeKind(value)}`;
    }
    const d = value as Decimal;
    if (!d.isFinite()) return `${d.toString()} is not a finite decimal`;
    if (d.decimalPlaces() > this.scale) {
      return `${d.toString()} has ${d.decimalPlaces()} fraction digits, more than scale ${this.scale}`;
    }
    // Unscaled digits = integer digits + scale; the exponent gives them without building a huge string first.
    if (!d.isZero() && d.e + 1 + this.scale > this.precision) {
      return `${d.toFixed()} has more than ${this.precision - this.scale} integer digits (decimal(${this.precision}, ${this.scale}))`;
    }
    return undefined;
  }

  /**
   * Decimal -> wire bytes. Throws on values that do not fit; avsc's isValid turns the throw into `false`. The last
   * conversion is remembered: a serializer validates a value and then encodes it, which converts each decimal twice
   * (Decimals are immutable, so the same object gives the same bytes).
   */
  protected override _toValue(value: unknown): Buffer {
    if (value === this.lastValue && this.lastBytes) return this.lastBytes;
    const problem = this.problem(value);
    if (problem !== undefined) throw new Error(problem);
    const bytes = toTwosComplement(this.unscaled(value as Decimal));
    this.lastValue = value;
    this.lastBytes = bytes;
    return bytes;
  }

  /** Wire bytes -> Decimal with exactly `scale` places (so toFixed(scale) gives "0.50", not "0.5"). */
  protected override _fromValue(bytes: Buffer): Decimal {
    if (bytes.length === 0) throw new Error('decimal has no bytes');
    // Up to 6 bytes (48 bits) the unscaled value is an exact JS integer: no bigint needed.
    const unscaled = bytes.length <= 6 ? bytes.readIntBE(0, bytes.length) : fromTwosComplement(bytes);
    if (typeof unscaled === 'number' ? Math.abs(unscaled) >= this.limitNumber : abs(unscaled) >= this.limit) {
      throw new Error(`decimal ${unscaled} does not fit decimal(${this.precision}, ${this.scale})`);
    }
    return new Decimal(withScale(unscaled, this.scale));
  }

  private lastValue: unknown;
  private lastBytes?: Buffer;

  /**
   * Which writer types this reader accepts. avsc calls the returned function with what the *writer* type read,
   * i.e. an already-decoded Decimal, not bytes. Any writer decimal is accepted, but each value must fit the
   * reader's precision and scale exactly; one that does not is a decode error, never rounded.
   */
  protected override _resolve(writer: Type): ((value: Decimal) => Decimal) | undefined {
    if (!(writer instanceof DecimalType)) return undefined;
    return (value) => {
      const problem = this.problem(value);
      if (problem !== undefined) throw new Error(`decimal does not fit the reader's type: ${problem}`);
      return value;
    };
  }

  /** Keeps precision/scale in `schema({ exportAttrs: true })`; the canonical form drops them anyway. */
  protected override _export(schema: Schema): void {
    Object.assign(schema as object, { precision: this.precision, scale: this.scale });
  }

  /**
   * value × 10^scale, via the string form (Decimal arithmetic rounds to its configured precision): a JS integer while
   * it is exact (at most 15 digits), a bigint beyond.
   */
  private unscaled(d: Decimal): number | bigint {
    const digits = d.toFixed(this.scale).replace('.', ''); // exact: decimalPlaces() <= scale was checked first
    return digits.length <= 15 ? parseInt(digits, 10) : BigInt(digits);
  }
}

function abs<N extends number | bigint>(n: N): N {
  return (n < 0 ? -n : n) as N;
}

/** Minimal big-endian two's complement; exact JS integers up to 48 bits go through Buffer's own writer. */
function toTwosComplement(n: number | bigint): Buffer {
  if (typeof n === 'number') {
    let length = 1;
    // The smallest length whose signed range holds n.
    while (length < 6 && (n >= 2 ** (8 * length - 1) || n < -(2 ** (8 * length - 1)))) length++;
    if (n < 2 ** (8 * length - 1) && n >= -(2 ** (8 * length - 1))) {
      const out = Buffer.allocUnsafe(length);
      out.writeIntBE(n, 0, length);
      return out;
    }
    return bigTwosComplement(BigInt(n));
  }
  return bigTwosComplement(n);
}

/** Minimal big-endian two's complement: stop once the remaining bits are pure sign extension. */
function bigTwosComplement(n: bigint): Buffer {
  const bytes: number[] = [];
  let rest = n;
  for (;;) {
    const byte = Number(rest & 0xffn);
    bytes.push(byte);
    rest >>= 8n; // arithmetic shift: stays -1 for negatives
    const signBit = (byte & 0x80) !== 0;
    if ((rest === 0n && !signBit) || (rest === -1n && signBit)) break;
  }
  return Buffer.from(bytes.reverse());
}

function fromTwosComplement(bytes: Buffer): bigint {
  let n = BigInt('0x' + bytes.toString('hex'));
  if (bytes[0] & 0x80) n -= 1n << BigInt(bytes.length * 8);
  return n;
}

/** Formats unscaled × 10^-scale as a plain decimal string with exactly `scale` fraction digits. */
function withScale(unscaled: number | bigint, scale: number): string {
  const sign = unscaled < 0n ? '-' : '';
  const digits = abs(unscaled).toString().padStart(scale + 1, '0');
  if (scale === 0) return sign + digits;
  return `${sign}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}

function describeKind(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined (missing)';
  if (typeof value === 'object') return value.constructor?.name ?? 'object';
  return `a ${typeof value}`;
}
