/**
 * The chaos checker's own decoding and hashing (chaos/checker/), with no broker: murmur2 against Kafka's vectors,
 * Avro decimals by hand, and the wallet's records as the wallet's serdes write them decoded back by the checker's
 * independent reader. The checker must share no code with the runtime: the last test holds it to that.
 */
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Decimal from 'decimal.js';
import { centsToString, toCents } from '../../chaos/checker';
import { AvroBinaryReader, AvroDecodeError, decimalToString } from '../../chaos/checker/avro-binary';
import { murmur2, partitionForKey } from '../../chaos/checker/murmur2';
import { CRC64_AVRO_EMPTY, crc64Avro, fingerprintBytes } from '../../chaos/checker/single-object';
import { CANONICAL_FORMS, decodeBalance, decodePayment, decodeTransferRequest } from '../../chaos/checker/wallet-records';
import { partitionForKey as runtimePartitionForKey } from '../../src/runtime/murmur2';
import { balanceSerde, paymentSerde, transferRequestSerde } from '../../topology/wallet/serdes';

const CHECKER_DIR = join(__dirname, '..', '..', 'chaos', 'checker');
/** Static imports and re-exports, dynamic imports, requires (as scripts/check-layers.js finds them). */
const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)/g;

describe('chaos checker: murmur2 of its own', () => {
  // Apache Kafka's UtilsTest vectors, as listed in the project's reference facts.
  const vectors: Array<[string, number]> = [
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['abc', 479470107],
  ];
  for (const [input, expected] of vectors) {
    it(`murmur2("${input}") = ${expected}, as the Java client computes it`, () => {
      assert.equal(murmur2(Buffer.from(input, 'utf8')), expected);
    });
  }

  it('partitions Alice and Bob to 1, John and Carol to 0 of 2', () => {
    assert.deepEqual(['Alice', 'Bob', 'John', 'Carol'].map((a) => partitionForKey(a, 2)), [1, 1, 0, 0]);
  });

  it('agrees with the runtime on keys of every tail length, multi-byte UTF-8 included', () => {
    const keys = Array.from({ length: 200 }, (_, i) => `k${'é'.repeat(i % 3)}${i}${'x'.repeat(i % 5)}`);
    for (const key of keys) {
      for (const partitions of [2, 3, 7]) assert.equal(partitionForKey(key, partitions), runtimePartitionForKey(Buffer.from(key, 'utf8'), partitions), `${key} over ${partitions}`);
    }
  });
});

describe('chaos checker: Avro decimals and binary reading by hand', () => {
  const cases: Array<[number[], string]> = [
    [[], '0.00'],
    [[0x00], '0.00'],
    [[0x01], '0.01'],
    [[0xff], '-0.01'],
    [[0x7f], '1.27'],
    [[0x00, 0x80], '1.28'],
    [[0x80], '-1.28'],
    [[0xff, 0x7f], '-1.29'],
    [[0x0d, 0xe0, 0xb6, 0xb3, 0xa7, 0x63, 0xff, 0xff], '9999999999999999.99'],
    [[0xf2, 0x1f, 0x49, 0x4c, 0x58, 0x9c, 0x00, 0x01], '-9999999999999999.99'],
  ];
  for (const [bytes, expected] of cases) {
    it(`[${bytes.map((b) => b.toString(16)).join(' ')}] at scale 2 is ${expected}`, () => {
      assert.equal(decimalToString(Uint8Array.from(bytes), 2), expected);
    });
  }

  it('reads zig-zag longs and strings, and refuses trailing or missing bytes', () => {
    // long -1 (0x01), long 64 (0x80 0x01), string "hi" (len 2 = 0x04)
    const r = new AvroBinaryReader(Buffer.from([0x01, 0x80, 0x01, 0x04, 0x68, 0x69]));
    assert.equal(r.long(), -1n);
    assert.equal(r.long(), 64n);
    assert.equal(r.string(), 'hi');
    r.finish();
    const trailing = new AvroBinaryReader(Buffer.from([0x02, 0x00]));
    trailing.long();
    assert.throws(() => trailing.finish(), /1 trailing bytes/);
    assert.throws(() => new AvroBinaryReader(Buffer.from([0x0a, 0x61])).string(), AvroDecodeError);
  });

  it('converts amounts to cents and back exactly', () => {
    for (const s of ['0.00', '0.01', '-0.01', '12.30', '-9999999999999999.99']) assert.equal(centsToString(toCents(s)), s);
    assert.throws(() => toCents('1.5'), /two decimal places/);
  });
});

describe('chaos checker: the wallet records, as the wallet writes them', () => {
  it('computes CRC-64-AVRO as the specification does (empty input, and the header the wallet writes)', () => {
    assert.equal(crc64Avro(''), CRC64_AVRO_EMPTY);
    const written = transferRequestSerde.serialize({ request_id: 'r', from: 'a', to: 'b', amount: new Decimal('1.00') }, 't');
    assert.deepEqual(written.subarray(0, 10), Buffer.concat([Buffer.from([0xc3, 0x01]), fingerprintBytes(CANONICAL_FORMS.transferRequest)]));
  });

  it('decodes transfer requests', () => {
    const value = { request_id: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', from: 'Alice', to: 'Bób', amount: new Decimal('1234.05') };
    assert.deepEqual(decodeTransferRequest(transferRequestSerde.serialize(value, 't')), { ...value, amount: '1234.05' });
  });

  it('decodes payment legs, both directions', () => {
    for (const direction of ['OUTGOING', 'INCOMING'] as const) {
      const leg = { request_id: 'r-1', account: 'acct-7', direction, amount: new Decimal('0.50'), emission: '1:42' };
      assert.deepEqual(decodePayment(paymentSerde.serialize(leg, 't')), { ...leg, amount: '0.50' });
    }
  });

  it('decodes payment legs of the first Payment schema (no emission)', () => {
    // its datum is the current one without the trailing emission string; its header names the v1 schema
    const current = paymentSerde.serialize({ request_id: 'r-2', account: 'x', direction: 'INCOMING', amount: new Decimal('3.00'), emission: '' }, 't');
    const v1 = Buffer.concat([Buffer.from([0xc3, 0x01]), fingerprintBytes(CANONICAL_FORMS.paymentV1), current.subarray(10, current.length - 1)]);
    assert.deepEqual(decodePayment(v1), { request_id: 'r-2', account: 'x', direction: 'INCOMING', amount: '3.00' });
  });

  it('decodes balances, negative and at the largest decimal(18,2)', () => {
    for (const balance of ['-0.01', '0.00', '-1234567.89', '9999999999999999.99', '-9999999999999999.99']) {
      const value = { account: 'Alice', balance: new Decimal(balance), currency: 'USD', version: 123456789, request_id: 'r-3' };
      assert.deepEqual(decodeBalance(balanceSerde.serialize(value, 't')), { ...value, balance });
    }
  });

  it('refuses what is not the record it claims to be, saying why', () => {
    const balance = balanceSerde.serialize({ account: 'A', balance: new Decimal('1.00'), currency: 'USD', version: 1, request_id: 'r' }, 't');
    assert.throws(() => decodePayment(balance), /payment: unknown writer schema fingerprint/);
    assert.throws(() => decodeBalance(Buffer.from('{"account":"A"}')), /not Avro single-object encoding/);
    assert.throws(() => decodeBalance(Buffer.concat([balance, Buffer.from([0])])), /trailing bytes/);
    assert.throws(() => decodeBalance(balance.subarray(0, balance.length - 2)), /ends early/);
  });

  it('shares no code with the runtime or the wallet: its files import only node builtins, kafkajs and each other', () => {
    const files = readdirSync(CHECKER_DIR).filter((f) => f.endsWith('.ts'));
    assert.ok(files.length >= 5, `checker files: ${files.join(', ')}`);
    const all = new Set<string>();
    for (const file of files) {
      const imports = [...readFileSync(join(CHECKER_DIR, file), 'utf8').matchAll(IMPORT)].map((m) => m[1] ?? m[2] ?? m[3]);
      imports.forEach((spec) => all.add(spec));
      const foreign = imports.filter((spec) => !(spec.startsWith('node:') || spec === 'kafkajs' || /^\.\/[\w-]+$/.test(spec)));
      assert.deepEqual(foreign, [], `chaos/checker/${file} imports ${foreign.join(', ')}`);
    }
    // the scan does see imports (a regex that matched nothing would pass vacuously)
    for (const spec of ['kafkajs', './avro-binary', './murmur2', 'node:crypto']) assert.ok(all.has(spec), `found the import of ${spec}`);
  });
});
