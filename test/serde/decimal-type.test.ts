import assert from 'assert';
import fc from 'fast-check';
import Decimal from 'decimal.js';
import { DecimalType } from '../../src/serde/decimal-type';
import { parseSchema } from '../../src/serde/schema-catalog';

const money = parseSchema({ type: 'bytes', logicalType: 'decimal', precision: 18, scale: 2 });

/** The Avro body of a bare decimal is a zig-zag length then the two's-complement bytes; return just those. */
function wireBytes(value: string): string {
  const body = money.toBuffer(new Decimal(value));
  return body.subarray(1).toString('hex');
}

describe('DecimalType (Avro decimal on bytes)', () => {
  it('is the type avsc builds for decimal schemas', () => {
    assert.ok(money instanceof DecimalType);
    assert.strictEqual((money as DecimalType).scale, 2);
    assert.strictEqual((money as DecimalType).precision, 18);
  });

  it('writes the unscaled value as minimal big-endian two\'s complement', () => {
    assert.strictEqual(wireBytes('0'), '00');
    assert.strictEqual(wireBytes('1'), '64'); // 100
    assert.strictEqual(wireBytes('1.27'), '7f'); // 127: fits one byte
    assert.strictEqual(wireBytes('1.28'), '0080'); // 128: needs a 0 sign byte
    assert.strictEqual(wireBytes('-1'), '9c'); // -100
    assert.strictEqual(wireBytes('-1.28'), '80'); // -128: one byte
    assert.strictEqual(wireBytes('-1.29'), 'ff7f'); // -129
    assert.strictEqual(wireBytes('-0'), '00');
    assert.strictEqual(wireBytes('9999999999999999.99'), '0de0b6b3a763ffff'); // 10^18 - 1
  });

  it('reads back with exactly `scale` places', () => {
    const back = money.fromBuffer(money.toBuffer(new Decimal('0.5'))) as Decimal;
    assert.ok(Decimal.isDecimal(back));
    assert.strictEqual(back.toFixed(2), '0.50');
    assert.strictEqual((money.fromBuffer(money.toBuffer(new Decimal('-7'))) as Decimal).toFixed(2), '-7.00');
  });

  it('round-trips any Decimal with <= 2 fraction digits and <= 16 integer digits exactly', () => {
    const max = 10n ** 18n - 1n;
    fc.assert(
      fc.property(fc.bigInt({ min: -max, max }), fc.integer({ min: 0, max: 2 }), (unscaled, places) => {
        // unscaled / 100 has <= 16 integer digits; cutting (never rounding) to `places` varies the fraction digits.
        const d = new Decimal(`${unscaled}e-2`).toDecimalPlaces(places, Decimal.ROUND_DOWN);
        const back = money.fromBuffer(money.toBuffer(d)) as Decimal;
        assert.ok(back.equals(d), `${d.toFixed()} came back as ${back.toFixed()}`);
        assert.strictEqual(back.toFixed(2), d.toFixed(2));
      }),
      { numRuns: 500 },
    );
  });

  it('writes the minimal two\'s complement at every magnitude (small values take a JS-number path, large a bigint one)', () => {
    /** Reference: the smallest byte count whose signed range holds n, then n mod 2^(8·len), big-endian. */
    const reference = (n: bigint): string => {
      let len = 1;
      while (n >= 1n << BigInt(8 * len - 1) || n < -(1n << BigInt(8 * len - 1))) len++;
      const mod = ((n % (1n << BigInt(8 * len))) + (1n << BigInt(8 * len))) % (1n << BigInt(8 * len));
      return mod.toString(16).padStart(2 * len, '0');
    };
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 59 }), fc.bigInt({ min: 0n, max: (1n << 60n) - 1n }), fc.boolean(), (bits, raw, negative) => {
        const magnitude = raw & ((1n << BigInt(bits)) - 1n);
        const unscaled = negative ? -magnitude : magnitude;
        const d = new Decimal(`${unscaled}e-2`);
        assert.strictEqual(wireBytes(d.toFixed(2)), reference(unscaled), `unscaled ${unscaled}`);
        assert.ok((money.fromBuffer(money.toBuffer(d)) as Decimal).equals(d));
      }),
      { numRuns: 1000 },
    );
  });

  it('keeps sums exact: 0.10 + 0.20 is 0.30', () => {
    const sum = new Decimal('0.10').plus(new Decimal('0.20'));
    const back = money.fromBuffer(money.toBuffer(sum)) as Decimal;
    assert.strictEqual(back.toFixed(2), '0.30');
    assert.ok(back.equals(new Decimal('0.3')));
  });

  it('refuses values it would have to round or truncate', () => {
    const t = money as DecimalType;
    assert.match(t.problem(new Decimal('0.001'))!, /3 fraction digits, more than scale 2/);
    assert.match(t.problem(new Decimal('10000000000000000'))!, /more than 16 integer digits/);
    assert.match(t.problem(new Decimal('-10000000000000000.5'))!, /fraction digits|integer digits/);
    assert.match(t.problem(new Decimal(NaN))!, /not a finite/);
    assert.match(t.problem(new Decimal(Infinity))!, /not a finite/);
    assert.match(t.problem(0.5)!, /expected a Decimal, got a number/);
    assert.match(t.problem('1.00')!, /expected a Decimal, got a string/);
    assert.strictEqual(t.problem(new Decimal('9999999999999999.99')), undefined);
    assert.strictEqual(t.problem(new Decimal('-9999999999999999.99')), undefined);
    assert.strictEqual(money.isValid(new Decimal('0.001')), false);
    assert.throws(() => money.toBuffer(new Decimal('0.001')), /fraction digits/);
  });

  it('rejects bytes that exceed the precision when reading', () => {
    const tiny = parseSchema({ type: 'bytes', logicalType: 'decimal', precision: 3, scale: 2 });
    // 0x03e8 = 1000: four digits in a decimal(3, 2).
    assert.throws(() => tiny.fromBuffer(Buffer.from([0x04, 0x03, 0xe8])), /does not fit decimal\(3, 2\)/);
  });

  it('fails loudly on malformed decimal schemas instead of falling back to raw bytes', () => {
    assert.throws(() => parseSchema({ type: 'bytes', logicalType: 'decimal', scale: 2 }), /precision/);
    assert.throws(() => parseSchema({ type: 'bytes', logicalType: 'decimal', precision: 4, scale: 5 }), /scale/);
    assert.throws(() => parseSchema({ type: 'string', logicalType: 'decimal', precision: 4 }), /bytes/);
  });

  it('reads other decimal writers only when every value fits exactly', () => {
    const wider = parseSchema({ type: 'bytes', logicalType: 'decimal', precision: 20, scale: 2 });
    const finer = parseSchema({ type: 'bytes', logicalType: 'decimal', precision: 18, scale: 3 });
    const fromWider = money.createResolver(wider);
    const fromFiner = money.createResolver(finer);
    const read = (writer: typeof money, value: string, resolver: typeof fromWider) =>
      (money.fromBuffer(writer.toBuffer(new Decimal(value)), resolver) as Decimal).toFixed(2);
    assert.strictEqual(read(wider, '12.34', fromWider), '12.34');
    assert.strictEqual(read(finer, '12.340', fromFiner), '12.34');
    assert.throws(() => read(finer, '12.345', fromFiner), /fraction digits/); // no rounding
    assert.throws(() => read(wider, '123456789012345678.00', fromWider), /integer digits/);
    assert.throws(() => money.createResolver(parseSchema('string')));
  });
});
