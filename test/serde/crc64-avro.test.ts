import assert from 'assert';
import fc from 'fast-check';
import { Type } from 'avsc';
import { CRC64_AVRO_EMPTY, crc64Avro, fingerprint64, fingerprintHex } from '../../src/serde/crc64-avro';

/**
 * Published vectors from Apache Avro's share/test/data/schema-tests.txt (canonical form -> CRC-64-AVRO, printed
 * there as signed 64-bit longs, as Java sees them).
 */
const APACHE_VECTORS: Array<[string, string]> = [
  ['"null"', '7195948357588979594'],
  ['"boolean"', '-6970731678124411036'],
  ['"int"', '8247732601305521295'],
  ['"long"', '-3434872931120570953'],
  ['"float"', '5583340709985441680'],
  ['"double"', '-8181574048448539266'],
  ['"bytes"', '5746618253357095269'],
  ['"string"', '-8142146995180207161'],
  ['[]', '-1241056759729112623'],
  ['["int","boolean"]', '5392556393470105090'],
  ['{"name":"x.y.foo","type":"record","fields":[]}', '5916914534497305771'],
  ['{"name":"x.y.z.foo","type":"enum","symbols":["A1","A2"]}', '-4448647247586288245'],
  ['{"type":"map","values":"string"}', '-8732877298790414990'],
];

const unsigned = (signed: string) => BigInt.asUintN(64, BigInt(signed));

/** An independent, table-free implementation straight from the polynomial, to cross-check the table. */
function bitwiseCrc64Avro(bytes: Uint8Array): bigint {
  let fp = CRC64_AVRO_EMPTY;
  for (const b of bytes) {
    fp ^= BigInt(b);
    for (let k = 0; k < 8; k++) fp = fp & 1n ? (fp >> 1n) ^ CRC64_AVRO_EMPTY : fp >> 1n;
  }
  return fp;
}

describe('CRC-64-AVRO', () => {
  it('is the spec EMPTY constant for no input', () => {
    assert.strictEqual(crc64Avro(''), 0xc15d213aa4d7a795n);
  });

  for (const [canonical, signed] of APACHE_VECTORS) {
    it(`matches the Apache Avro vector for ${canonical}`, () => {
      assert.strictEqual(crc64Avro(canonical), unsigned(signed));
    });
  }

  it('matches the vectors also cited by goavro (hex form)', () => {
    assert.strictEqual(crc64Avro('"int"'), 0x7275d51a3f395c8fn);
    assert.strictEqual(crc64Avro('"string"'), 0x8f014872634503c7n);
  });

  it('fingerprint64 is the little-endian byte form (as in the Ruby single-object header test)', () => {
    assert.strictEqual(fingerprint64('"int"').toString('hex'), '8f5c393f1ad57572');
    assert.strictEqual(fingerprintHex(fingerprint64('"int"')), '7275d51a3f395c8f');
  });

  it('agrees with a bitwise implementation on arbitrary input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        assert.strictEqual(crc64Avro(bytes), bitwiseCrc64Avro(bytes));
      }),
    );
  });

  it('hashes strings as UTF-8', () => {
    assert.strictEqual(crc64Avro('é€'), bitwiseCrc64Avro(Buffer.from('é€', 'utf8')));
  });

  it("avsc's schema() gives the canonical forms the vectors expect", () => {
    // Inputs from schema-tests.txt with docs, aliases, defaults, order and namespaces to strip or qualify.
    const cases: Array<[unknown, string]> = [
      [{ fields: [], type: 'record', name: 'foo', namespace: 'x.y' }, '5916914534497305771'],
      [{ fields: [], type: 'record', name: 'foo', doc: 'Useful info', aliases: ['bar'] }, '-4824392279771201922'],
      [
        {
          fields: [
            { type: 'boolean', aliases: [], name: 'f1', default: true },
            { order: 'descending', name: 'f2', doc: 'Hello', type: 'int' },
          ],
          type: 'record',
          name: 'foo',
        },
        '-4860222112080293046',
      ],
      [{ namespace: 'x.y.z', type: 'enum', name: 'foo', doc: 'foo bar', symbols: ['A1', 'A2'] }, '-4448647247586288245'],
    ];
    for (const [schema, signed] of cases) {
      const canonical = JSON.stringify(Type.forSchema(schema as never).schema());
      assert.strictEqual(crc64Avro(canonical), unsigned(signed), canonical);
    }
  });
});
