import assert from 'assert';
import path from 'path';
import Decimal from 'decimal.js';
import type { schema } from 'avsc';
import { avroSerde, loadSchema, SchemaCatalog, fingerprintHex } from '../../src/serde';
import { DeserializationError, SerializationError } from '../../src/core/errors';
import { balanceSerde, paymentSerde, transferRequestSerde } from '../../topology/wallet/serdes';
import { Balance, Payment, TransferRequest } from '../../topology/wallet/types';

const TOPIC = 'wallet.test';

/** Asserts `fn` throws an instance of `cls` with `code`, and returns the error for further checks. */
function thrown<E extends Error & { code: string }>(fn: () => unknown, cls: new (...a: never[]) => E, code: string): E {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof cls, `expected ${cls.name}, got ${String(e)}`);
    assert.strictEqual(e.code, code, e.message);
    return e;
  }
  assert.fail(`expected ${cls.name} ${code}`);
}

function assertDecimal(actual: Decimal, expected: string) {
  assert.ok(Decimal.isDecimal(actual), `not a Decimal: ${String(actual)}`);
  assert.strictEqual(actual.toFixed(2), expected);
}

describe('avroSerde: wallet records', () => {
  it('round-trips a TransferRequest', () => {
    const request: TransferRequest = { request_id: 'r-1', from: 'alice', to: 'bob', amount: new Decimal('12.5') };
    const back = transferRequestSerde.deserialize(transferRequestSerde.serialize(request, TOPIC), TOPIC);
    assert.deepStrictEqual(Object.keys(back), ['request_id', 'from', 'to', 'amount']);
    assert.strictEqual(Object.getPrototypeOf(back), Object.prototype);
    assert.strictEqual(back.from, 'alice');
    assert.strictEqual(back.to, 'bob');
    assertDecimal(back.amount, '12.50');
  });

  it('round-trips a Payment, both directions', () => {
    for (const direction of ['OUTGOING', 'INCOMING'] as const) {
      const payment: Payment = { request_id: 'r-2', account: 'alice', direction, amount: new Decimal('0.01'), emission: '0:1' };
      const back = paymentSerde.deserialize(paymentSerde.serialize(payment, TOPIC), TOPIC);
      assert.deepStrictEqual({ ...back, amount: back.amount.toFixed(2) }, { ...payment, amount: '0.01' });
    }
  });

  it('round-trips Balances that are negative, huge, or sums of cents', () => {
    const cases = [
      ['-250.75', '-250.75'],
      ['9999999999999999.99', '9999999999999999.99'],
      ['-9999999999999999.99', '-9999999999999999.99'],
      [new Decimal('0.10').plus('0.20'), '0.30'],
      ['0', '0.00'],
    ] as const;
    for (const [value, expected] of cases) {
      const balance: Balance = {
        account: 'alice',
        balance: new Decimal(value),
        currency: 'USD',
        version: 2 ** 40,
        request_id: 'r-3',
      };
      const back = balanceSerde.deserialize(balanceSerde.serialize(balance, TOPIC), TOPIC);
      assertDecimal(back.balance, expected);
      assert.strictEqual(back.version, 2 ** 40);
      assert.strictEqual(back.currency, 'USD');
    }
  });

  it('fingerprints the canonical form of the .avsc files (docs are not part of it)', () => {
    assert.strictEqual(
      paymentSerde.schema.canonicalForm,
      '{"name":"wallet.Payment","type":"record","fields":[{"name":"request_id","type":"string"},' +
        '{"name":"account","type":"string"},{"name":"direction","type":{"name":"wallet.Direction","type":"enum",' +
        '"symbols":["OUTGOING","INCOMING"]}},{"name":"amount","type":"bytes"},{"name":"emission","type":"string"}]}',
    );
    const bytes = paymentSerde.serialize(
      { request_id: 'r', account: 'a', direction: 'INCOMING', amount: new Decimal(1), emission: '0:1' },
      TOPIC,
    );
    assert.deepStrictEqual(bytes.subarray(2, 10), paymentSerde.schema.fingerprint);
  });
});

describe('avroSerde: errors', () => {
  const payment: Payment = { request_id: 'r', account: 'alice', direction: 'OUTGOING', amount: new Decimal('1.00'), emission: '0:1' };
  const good = paymentSerde.serialize(payment, TOPIC);

  it('refuses too many fraction digits, naming the field and the value', () => {
    const e = thrown(
      () => paymentSerde.serialize({ ...payment, amount: new Decimal('1.005') }, TOPIC),
      SerializationError,
      'SERIALIZATION_FAILED',
    );
    assert.strictEqual(e.field, 'amount');
    assert.match(e.message, /amount/);
    assert.match(e.message, /1\.005/);
  });

  it('refuses too many integer digits and JS numbers for amounts', () => {
    const big = thrown(
      () => balanceSerde.serialize(
        { account: 'a', balance: new Decimal('1e16'), currency: 'USD', version: 1, request_id: 'r' },
        TOPIC,
      ),
      SerializationError,
      'SERIALIZATION_FAILED',
    );
    assert.strictEqual(big.field, 'balance');
    const num = thrown(
      () => paymentSerde.serialize({ ...payment, amount: 1 as unknown as Decimal }, TOPIC),
      SerializationError,
      'SERIALIZATION_FAILED',
    );
    assert.strictEqual(num.field, 'amount');
    assert.match(num.message, /expected a Decimal/);
  });

  it('names other bad fields too (enum symbol, missing string)', () => {
    const e = thrown(
      () => paymentSerde.serialize({ ...payment, direction: 'SIDEWAYS' as never }, TOPIC),
      SerializationError,
      'SERIALIZATION_FAILED',
    );
    assert.strictEqual(e.field, 'direction');
    assert.match(e.message, /SIDEWAYS/);
    const missing = thrown(
      () => paymentSerde.serialize({ ...payment, account: undefined as never }, TOPIC),
      SerializationError,
      'SERIALIZATION_FAILED',
    );
    assert.strictEqual(missing.field, 'account');
  });

  it('rejects a wrong marker and too-short input as AVRO_BAD_MARKER', () => {
    const wrong = Buffer.from(good);
    wrong[0] = 0x7b;
    thrown(() => paymentSerde.deserialize(wrong, TOPIC), DeserializationError, 'AVRO_BAD_MARKER');
    // A 0 byte is the Confluent wire format's marker: readable only with a schema registry (test/serde/confluent-wire).
    wrong[0] = 0x00;
    thrown(() => paymentSerde.deserialize(wrong, TOPIC), DeserializationError, 'AVRO_NO_SCHEMA_REGISTRY');
    thrown(() => paymentSerde.deserialize(Buffer.from([0, 0, 1]), TOPIC), DeserializationError, 'AVRO_BAD_MARKER');
    thrown(() => paymentSerde.deserialize(good.subarray(0, 9), TOPIC), DeserializationError, 'AVRO_BAD_MARKER');
    thrown(() => paymentSerde.deserialize(Buffer.alloc(0), TOPIC), DeserializationError, 'AVRO_BAD_MARKER');
    thrown(() => paymentSerde.deserialize(Buffer.from('{"a":1}'), TOPIC), DeserializationError, 'AVRO_BAD_MARKER');
  });

  it('rejects an unregistered fingerprint as AVRO_UNKNOWN_SCHEMA, showing it in hex', () => {
    const other = Buffer.from(good);
    other.writeBigUInt64LE(0x0123456789abcdefn, 2);
    const e = thrown(() => paymentSerde.deserialize(other, TOPIC), DeserializationError, 'AVRO_UNKNOWN_SCHEMA');
    assert.match(e.message, /0123456789abcdef/);
    assert.strictEqual(e.origin, undefined); // the runtime adds topic/partition/offset
    // Bytes of another record type are unknown to this reader too.
    thrown(
      () => balanceSerde.deserialize(good, TOPIC),
      DeserializationError,
      'AVRO_UNKNOWN_SCHEMA',
    );
  });

  it('rejects truncated bodies and trailing bytes as AVRO_DECODE_FAILED', () => {
    thrown(() => paymentSerde.deserialize(good.subarray(0, good.length - 1), TOPIC), DeserializationError, 'AVRO_DECODE_FAILED');
    thrown(() => paymentSerde.deserialize(good.subarray(0, 10), TOPIC), DeserializationError, 'AVRO_DECODE_FAILED');
    thrown(() => paymentSerde.deserialize(Buffer.concat([good, Buffer.from([0])]), TOPIC), DeserializationError, 'AVRO_DECODE_FAILED');
  });

  it('rejects an out-of-range enum index as AVRO_DECODE_FAILED', () => {
    // Body: request_id "r" (02 72), account "alice" (0a ...), then the direction index.
    const corrupt = Buffer.from(good);
    const directionAt = 10 + 2 + 6;
    assert.strictEqual(corrupt[directionAt], 0x00); // OUTGOING
    corrupt[directionAt] = 0x08; // index 4
    thrown(() => paymentSerde.deserialize(corrupt, TOPIC), DeserializationError, 'AVRO_DECODE_FAILED');
  });
});

describe('avroSerde: schema evolution', () => {
  const v1 = loadSchema(path.join(__dirname, '../../schemas/payment.avsc')) as schema.RecordType; // the current Payment
  // v2 adds two optional fields with defaults, the only kind of addition old data can be read into.
  const v2: schema.RecordType = {
    ...v1,
    fields: [
      ...v1.fields,
      { name: 'currency', type: 'string', default: 'USD', doc: 'ISO 4217 code.' },
      { name: 'memo', type: ['null', 'string'], default: null, doc: 'Free text from the client.' },
    ],
  };
  type PaymentV2 = Payment & { currency: string; memo: string | null };

  const v1Reader = avroSerde<Payment>(v1, { writerSchemas: [v2] });
  const v2Reader = avroSerde<PaymentV2>(v2, { writerSchemas: [v1] });
  const payment: Payment = { request_id: 'r', account: 'alice', direction: 'INCOMING', amount: new Decimal('0.1'), emission: '0:1' };

  it('writes the two versions with different fingerprints', () => {
    assert.notStrictEqual(v1Reader.schema.fingerprintHex, v2Reader.schema.fingerprintHex);
  });

  it('v2 reader reads v1-written bytes, filling defaults', () => {
    const back = v2Reader.deserialize(v1Reader.serialize(payment, TOPIC), TOPIC);
    assert.strictEqual(back.currency, 'USD');
    assert.strictEqual(back.memo, null);
    assert.strictEqual(back.account, 'alice');
    assertDecimal(back.amount, '0.10');
  });

  it('v1 reader reads v2-written bytes, ignoring the added fields', () => {
    const bytes = v2Reader.serialize({ ...payment, currency: 'EUR', memo: 'rent' }, TOPIC);
    const back = v1Reader.deserialize(bytes, TOPIC);
    assert.deepStrictEqual(Object.keys(back), ['request_id', 'account', 'direction', 'amount', 'emission']);
    assert.strictEqual(back.direction, 'INCOMING');
    assertDecimal(back.amount, '0.10');
  });

  it('a reader that was not told about v2 cannot read it', () => {
    const bytes = v2Reader.serialize({ ...payment, currency: 'EUR', memo: null }, TOPIC);
    const e = thrown(() => paymentSerde.deserialize(bytes, TOPIC), DeserializationError, 'AVRO_UNKNOWN_SCHEMA');
    assert.match(e.message, new RegExp(v2Reader.schema.fingerprintHex));
  });

  it('serdes sharing a catalog know each other\'s schemas', () => {
    const catalog = new SchemaCatalog();
    const a = avroSerde<Payment>(v1, { catalog });
    const b = avroSerde<PaymentV2>(v2, { catalog });
    assert.strictEqual(b.deserialize(a.serialize(payment, TOPIC), TOPIC).currency, 'USD');
    assert.strictEqual(catalog.lookup(a.schema.fingerprint), a.schema);
    assert.strictEqual(fingerprintHex(b.schema.fingerprint), b.schema.fingerprintHex);
  });

  it('each reader fills missing fields with its own defaults, even when a shared catalog has a look-alike', () => {
    // Defaults are not in the canonical form, so these two v2 variants share one fingerprint.
    const catalog = new SchemaCatalog();
    const eur: schema.RecordType = {
      ...v2,
      fields: v2.fields.map((f) => (f.name === 'currency' ? { ...f, default: 'EUR' } : f)),
    };
    const usdReader = avroSerde<PaymentV2>(v2, { catalog, writerSchemas: [v1] });
    const eurReader = avroSerde<PaymentV2>(eur, { catalog });
    assert.strictEqual(usdReader.schema.fingerprintHex, eurReader.schema.fingerprintHex);
    const old = v1Reader.serialize(payment, TOPIC);
    assert.strictEqual(usdReader.deserialize(old, TOPIC).currency, 'USD');
    assert.strictEqual(eurReader.deserialize(old, TOPIC).currency, 'EUR');
  });

  it('an added field without a default makes old bytes unreadable: AVRO_INCOMPATIBLE_SCHEMA', () => {
    const v3: schema.RecordType = { ...v1, fields: [...v1.fields, { name: 'fee', type: 'long' }] };
    const v3Reader = avroSerde<Payment>(v3, { writerSchemas: [v1] });
    thrown(
      () => v3Reader.deserialize(v1Reader.serialize(payment, TOPIC), TOPIC),
      DeserializationError,
      'AVRO_INCOMPATIBLE_SCHEMA',
    );
  });
});

describe('avroSerde: the wallet\'s own Payment history', () => {
  it('reads legs written before `emission` existed (schemas/history/payment-v1.avsc), filling the default', () => {
    const old = avroSerde<Omit<Payment, 'emission'>>(loadSchema(path.join(__dirname, '../../schemas/history/payment-v1.avsc')));
    const bytes = old.serialize({ request_id: 'r', account: 'alice', direction: 'OUTGOING', amount: new Decimal('2.50') }, TOPIC);
    const back = paymentSerde.deserialize(bytes, TOPIC);
    assert.strictEqual(back.emission, '');
    assertDecimal(back.amount, '2.50');
  });
});
