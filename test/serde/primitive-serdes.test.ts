import assert from 'assert';
import { Serdes } from '../../src/serde';
import { DeserializationError, SerializationError } from '../../src/core/errors';

describe('Serdes', () => {
  it('string: UTF-8 both ways', () => {
    const s = Serdes.string();
    assert.deepStrictEqual(s.serialize('héllo €', 't'), Buffer.from('68c3a96c6c6f20e282ac', 'hex'));
    assert.strictEqual(s.deserialize(Buffer.from('68c3a96c6c6f20e282ac', 'hex'), 't'), 'héllo €');
  });

  it('string: invalid UTF-8 is an error, not a replacement character', () => {
    assert.throws(
      () => Serdes.string().deserialize(Buffer.from([0x61, 0xff]), 't'),
      (e: unknown) => e instanceof DeserializationError && e.code === 'STRING_DECODE_FAILED',
    );
    assert.throws(() => Serdes.string().serialize(5 as unknown as string, 't'), SerializationError);
  });

  it('buffer: passes bytes through', () => {
    const b = Buffer.from([1, 2, 3]);
    assert.strictEqual(Serdes.buffer().serialize(b, 't'), b);
    assert.strictEqual(Serdes.buffer().deserialize(b, 't'), b);
  });

  it('json: round-trips plain values', () => {
    const j = Serdes.json<{ a: number; b: string[] }>();
    const bytes = j.serialize({ a: 1, b: ['x'] }, 't');
    assert.strictEqual(bytes.toString('utf8'), '{"a":1,"b":["x"]}');
    assert.deepStrictEqual(j.deserialize(bytes, 't'), { a: 1, b: ['x'] });
  });

  it('json: bad bytes are JSON_DECODE_FAILED; unencodable values are SerializationError', () => {
    for (const bad of [Buffer.from('{"a":'), Buffer.from([0x22, 0xff, 0x22]), Buffer.alloc(0)]) {
      assert.throws(
        () => Serdes.json().deserialize(bad, 't'),
        (e: unknown) => e instanceof DeserializationError && e.code === 'JSON_DECODE_FAILED',
      );
    }
    assert.throws(() => Serdes.json().serialize(10n, 't'), SerializationError);
    assert.throws(() => Serdes.json().serialize(undefined, 't'), SerializationError);
  });
});
