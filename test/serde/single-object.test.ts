import assert from 'assert';
import { SchemaCatalog } from '../../src/serde/schema-catalog';
import {
  SINGLE_OBJECT_HEADER_LENGTH,
  decodeSingleObject,
  encodeSingleObject,
  readSingleObjectHeader,
} from '../../src/serde/single-object';
import { DeserializationError } from '../../src/core/errors';

describe('Avro single-object encoding', () => {
  const catalog = new SchemaCatalog();
  const int = catalog.register('int');

  it('writes C3 01, then the LE CRC-64-AVRO of the canonical form, then the body', () => {
    // "int" fingerprints to 0x7275d51a3f395c8f; the header carries it least significant byte first.
    const bytes = encodeSingleObject(int, 42);
    assert.strictEqual(bytes.subarray(0, 2).toString('hex'), 'c301');
    assert.strictEqual(bytes.subarray(2, 10).toString('hex'), '8f5c393f1ad57572');
    assert.strictEqual(bytes.subarray(10).toString('hex'), '54'); // zig-zag 42
    assert.strictEqual(SINGLE_OBJECT_HEADER_LENGTH, 10);
  });

  it('uses the fingerprint of the canonical form, so docs and defaults do not change it', () => {
    const bare = catalog.register({ type: 'record', name: 'R', namespace: 'n', fields: [{ name: 'a', type: 'int' }] });
    const documented = catalog.register({
      type: 'record',
      name: 'R',
      namespace: 'n',
      doc: 'documented',
      fields: [{ name: 'a', type: 'int', default: 0, doc: 'a field' }],
    });
    assert.strictEqual(bare.canonicalForm, '{"name":"n.R","type":"record","fields":[{"name":"a","type":"int"}]}');
    assert.deepStrictEqual(documented.fingerprint, bare.fingerprint);
  });

  it('splits the header from the body', () => {
    const { fingerprint, body } = readSingleObjectHeader(encodeSingleObject(int, -1));
    assert.deepStrictEqual(fingerprint, int.fingerprint);
    assert.strictEqual(body.toString('hex'), '01');
  });

  it('decodes with the registered writer schema', () => {
    assert.strictEqual(decodeSingleObject(encodeSingleObject(int, 7), catalog, int), 7);
  });

  it('rejects input too short for a header, even with the right marker', () => {
    assert.throws(
      () => readSingleObjectHeader(Buffer.from('c3015c393f1a', 'hex')),
      (e: unknown) => e instanceof DeserializationError && e.code === 'AVRO_BAD_MARKER',
    );
  });
});
