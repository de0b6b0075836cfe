/**
 * The Avro serde's Confluent wire format with a stand-in registry (the real one, Apicurio, is in test/registry/):
 * framing, id look-up at setup, unknown ids fetched once, and the errors that tell an operator what to do.
 */
import assert from 'assert';
import Decimal from 'decimal.js';
import type { Schema } from 'avsc';
import { createServer } from 'node:net';
import { avroSerde, confluentHeader, isConfluentFramed, parseSchemaRegistryUrl, readConfluentHeader, schemaRegistry, SchemaRegistryClient, SchemaRegistryError } from '../../src/serde';
import { DeserializationError, SerializationError, StreamsError } from '../../src/core/errors';
import { defineTopology, Serdes } from '../../src';
import { TopologyTestDriver } from '../../src/testing';

const money = { type: 'bytes', logicalType: 'decimal', precision: 18, scale: 2 };
const V1 = { type: 'record', name: 'Entry', namespace: 'test', fields: [{ name: 'id', type: 'string' }, { name: 'amount', type: money }] } as Schema;
const V2 = { type: 'record', name: 'Entry', namespace: 'test', fields: [{ name: 'id', type: 'string' }, { name: 'amount', type: money }, { name: 'note', type: 'string', default: '' }] } as Schema;

interface Entry {
  id: string;
  amount: Decimal;
  note?: string;
}

/** A registry in memory: subjects of schema texts, global ids per text, and a count of by-id fetches. */
class FakeRegistry implements SchemaRegistryClient {
  readonly url = 'http://registry.test';
  private readonly ids = new Map<string, number>();
  private readonly subjects = new Map<string, string[]>();
  fetches: number[] = [];
  down = false;

  async lookup(subject: string, schema: string): Promise<number | undefined> {
    return this.subjects.get(subject)?.includes(schema) ? this.ids.get(schema) : undefined;
  }
  async register(subject: string, schema: string): Promise<{ id: number; registered: boolean }> {
    const versions = this.subjects.get(subject) ?? [];
    const registered = !versions.includes(schema);
    if (registered) versions.push(schema);
    this.subjects.set(subject, versions);
    if (!this.ids.has(schema)) this.ids.set(schema, this.ids.size + 1);
    return { id: this.ids.get(schema)!, registered };
  }
  schemaByIdSync(id: number): string | undefined {
    this.fetches.push(id);
    if (this.down) throw new SchemaRegistryError(`schema registry at ${this.url} is unreachable`, { code: 'SCHEMA_REGISTRY_UNAVAILABLE', retriable: true });
    return [...this.ids].find(([, i]) => i === id)?.[0];
  }
}

function thrown(fn: () => unknown): Error & { code?: string; retriable?: boolean } {
  try {
    fn();
  } catch (e) {
    return e as Error & { code?: string };
  }
  assert.fail('expected an error');
}

describe('Confluent wire format', () => {
  it('frames a schema id as magic byte 0 and 4 bytes big-endian', () => {
    assert.deepStrictEqual([...confluentHeader(258)], [0, 0, 0, 1, 2]);
    assert.deepStrictEqual([...confluentHeader(0xfffffffe)], [0, 0xff, 0xff, 0xff, 0xfe]);
    const { schemaId, body } = readConfluentHeader(Buffer.from([0, 0, 0, 0, 7, 0xaa]));
    assert.strictEqual(schemaId, 7);
    assert.deepStrictEqual([...body], [0xaa]);
    assert.strictEqual(isConfluentFramed(Buffer.from([0xc3, 0x01, 0, 0, 0])), false);
    assert.strictEqual((thrown(() => readConfluentHeader(Buffer.from([0, 1]))) as DeserializationError).code, 'AVRO_BAD_MARKER');
  });

  it('writes registered topics as 00 + id + Avro binary, and reads them back', async () => {
    const registry = new FakeRegistry();
    const serde = avroSerde<Entry>(V1);
    const { id } = await registry.register('t.entry-value', serde.registrySchema);
    await serde.useSchemaRegistry(registry, ['t.entry']);
    const bytes = serde.serialize({ id: 'e-1', amount: new Decimal('-12.34') }, 't.entry');
    assert.strictEqual(bytes[0], 0);
    assert.strictEqual(bytes.readUInt32BE(1), id);
    // The body is the plain Avro datum of the schema: string "e-1", then the decimal's two's complement (-1234).
    assert.deepStrictEqual([...bytes.subarray(5)], [6, ...Buffer.from('e-1'), 4, 0xfb, 0x2e]);
    const back = serde.deserialize(bytes, 't.entry');
    assert.strictEqual(back.id, 'e-1');
    assert.strictEqual(back.amount.toFixed(2), '-12.34');
    assert.deepStrictEqual(registry.fetches, [], 'its own id is known from the look-up: no fetch');
  });

  it('still reads single-object bytes once it writes the Confluent format, and writes single-object without a registry', async () => {
    const registry = new FakeRegistry();
    const plain = avroSerde<Entry>(V1);
    const old = plain.serialize({ id: 'old', amount: new Decimal('1') }, 't.entry');
    assert.deepStrictEqual([...old.subarray(0, 2)], [0xc3, 0x01]);
    const serde = avroSerde<Entry>(V1);
    await registry.register('t.entry-value', serde.registrySchema);
    await serde.useSchemaRegistry(registry, ['t.entry']);
    assert.strictEqual(serde.deserialize(old, 't.entry').id, 'old');
    assert.strictEqual(serde.serialize({ id: 'new', amount: new Decimal('1') }, 't.entry')[0], 0);
  });

  it('fetches an unknown writer id once, and resolves it to the reader schema', async () => {
    const registry = new FakeRegistry();
    const writer = avroSerde<Entry>(V2);
    await registry.register('t.entry-value', avroSerde(V1).registrySchema);
    await registry.register('t.entry-value', writer.registrySchema);
    await writer.useSchemaRegistry(registry, ['t.entry']);
    const reader = avroSerde<Entry>(V1);
    await reader.useSchemaRegistry(registry, []);
    const records = ['a', 'b', 'c'].map((id) => writer.serialize({ id, amount: new Decimal('0.5'), note: `n-${id}` }, 't.entry'));
    const back = records.map((r) => reader.deserialize(r, 't.entry'));
    assert.deepStrictEqual(back.map((e) => [e.id, e.amount.toFixed(2), 'note' in e]), [['a', '0.50', false], ['b', '0.50', false], ['c', '0.50', false]]);
    assert.deepStrictEqual(registry.fetches, [2], 'one fetch for the three records of id 2');
  });

  it('needs its schema registered under <topic>-value before it writes (topics create registers it)', async () => {
    const serde = avroSerde<Entry>(V1);
    const err = await serde.useSchemaRegistry(new FakeRegistry(), ['t.entry']).then(() => undefined, (e) => e);
    assert.ok(err instanceof SchemaRegistryError);
    assert.strictEqual(err.code, 'SCHEMA_NOT_REGISTERED');
    assert.match(err.message, /not registered under subject t\.entry-value .*`topology topics create --schema-registry http:\/\/registry\.test/);
  });

  it('refuses to write a topic whose id it did not look up (no silent switch back to single-object)', async () => {
    const registry = new FakeRegistry();
    const serde = avroSerde<Entry>(V1);
    await registry.register('t.entry-value', serde.registrySchema);
    await serde.useSchemaRegistry(registry, ['t.entry']);
    const err = thrown(() => serde.serialize({ id: 'x', amount: new Decimal('1') }, 't.other'));
    assert.ok(err instanceof SerializationError);
    assert.strictEqual(err.code, 'SCHEMA_ID_UNKNOWN');
    assert.match(err.message, /t\.other-value was not looked up \(topics looked up: t\.entry\)/);
  });

  it('says how to read Confluent bytes when no registry is configured', async () => {
    const registry = new FakeRegistry();
    const writer = avroSerde<Entry>(V1);
    await registry.register('t.entry-value', writer.registrySchema);
    await writer.useSchemaRegistry(registry, ['t.entry']);
    const bytes = writer.serialize({ id: 'x', amount: new Decimal('1') }, 't.entry');
    const err = thrown(() => avroSerde<Entry>(V1).deserialize(bytes, 't.entry'));
    assert.ok(err instanceof DeserializationError);
    assert.strictEqual(err.code, 'AVRO_NO_SCHEMA_REGISTRY');
    assert.match(err.message, /Confluent wire format \(schema id 1\).*--schema-registry URL \(or SCHEMA_REGISTRY_URL\)/);
  });

  it('an id the registry does not know is a bad record (asked once); an unreachable registry is a retriable failure', async () => {
    const registry = new FakeRegistry();
    const reader = avroSerde<Entry>(V1);
    await reader.useSchemaRegistry(registry, []);
    const unknown = Buffer.concat([confluentHeader(99), Buffer.from([2, 0x41, 2, 1])]);
    for (let i = 0; i < 2; i++) {
      const err = thrown(() => reader.deserialize(unknown, 't.entry'));
      assert.ok(err instanceof DeserializationError);
      assert.strictEqual(err.code, 'AVRO_UNKNOWN_SCHEMA');
      assert.match(err.message, /id 99 is not in the schema registry at http:\/\/registry\.test/);
    }
    assert.deepStrictEqual(registry.fetches, [99]);

    registry.down = true;
    const err = thrown(() => reader.deserialize(Buffer.concat([confluentHeader(5), Buffer.from([0])]), 't.entry'));
    assert.ok(err instanceof StreamsError && !(err instanceof DeserializationError), String(err));
    assert.strictEqual(err.retriable, true);
    registry.down = false;
    assert.strictEqual((thrown(() => reader.deserialize(Buffer.concat([confluentHeader(5), Buffer.from([0])]), 't.entry')) as DeserializationError).code, 'AVRO_UNKNOWN_SCHEMA', 'an outage is not remembered');
  });

  it('one registry per serde', async () => {
    const serde = avroSerde<Entry>(V1);
    await serde.useSchemaRegistry(new FakeRegistry(), []);
    const other = Object.assign(new FakeRegistry(), { url: 'http://elsewhere.test' });
    const err = await serde.useSchemaRegistry(other, []).then(() => undefined, (e) => e);
    assert.strictEqual(err?.code, 'SCHEMA_REGISTRY_CONFLICT');
  });

  it('reads --schema-registry, else SCHEMA_REGISTRY_URL; refuses what is not an http(s) URL', () => {
    assert.strictEqual(parseSchemaRegistryUrl('http://h:8081/apis/ccompat/v7/', {}), 'http://h:8081/apis/ccompat/v7');
    assert.strictEqual(parseSchemaRegistryUrl(undefined, { SCHEMA_REGISTRY_URL: 'https://r.example' }), 'https://r.example');
    assert.strictEqual(parseSchemaRegistryUrl('http://flag', { SCHEMA_REGISTRY_URL: 'http://env' }), 'http://flag');
    assert.strictEqual(parseSchemaRegistryUrl(undefined, {}), undefined);
    assert.strictEqual(parseSchemaRegistryUrl('', { SCHEMA_REGISTRY_URL: 'http://env' }), undefined, 'an empty flag means none');
    for (const bad of ['localhost:8081', 'ftp://r']) {
      const err = thrown(() => parseSchemaRegistryUrl(bad, {}));
      assert.strictEqual(err.code, 'SCHEMA_REGISTRY_URL_INVALID', bad);
    }
  });

  it('a registry nobody answers at is a retriable SCHEMA_REGISTRY_UNAVAILABLE, for look-ups, registration and by-id fetches', async () => {
    // A loopback port that was free a moment ago: connections to it are refused.
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port: p } = server.address() as { port: number };
        server.close(() => resolve(p));
      });
    });
    const registry = schemaRegistry(`http://127.0.0.1:${port}/apis/ccompat/v7`);
    const failures = [
      await registry.lookup('t-value', '"string"').then(() => undefined, (e) => e),
      await registry.register('t-value', '"string"').then(() => undefined, (e) => e),
      (() => {
        try {
          registry.schemaByIdSync(1);
        } catch (e) {
          return e;
        }
      })(),
    ];
    for (const err of failures) {
      assert.ok(err instanceof SchemaRegistryError, String(err));
      assert.strictEqual(err.code, 'SCHEMA_REGISTRY_UNAVAILABLE', err.message);
      assert.strictEqual(err.retriable, true);
      assert.match(err.message, new RegExp(`127\\.0\\.0\\.1:${port}.*ECONNREFUSED`));
    }
  });

  it('in a task, an unreachable registry fails the batch (nothing committed, nothing dead-lettered); a restart reads the record', async () => {
    const registry = new FakeRegistry();
    const writer = avroSerde<Entry>(V1);
    await registry.register('reg.in-value', writer.registrySchema);
    await writer.useSchemaRegistry(registry, ['reg.in']);
    const bytes = writer.serialize({ id: 'e-1', amount: new Decimal('3.10') }, 'reg.in');
    const reader = avroSerde<Entry>(V1);
    await reader.useSchemaRegistry(registry, []); // the id is unknown to it: it must ask the registry
    const topology = defineTopology('reg', (t) =>
      t.subTopology('copy', (s) =>
        s
          .stream('reg.in', { serdes: { key: Serdes.string(), value: reader } })
          .mapValues((e) => e.amount.toFixed(2))
          .to('reg.out', { serdes: { key: Serdes.string(), value: Serdes.string() } }),
      ),
    { partitions: 1, errors: { deserialization: 'dead-letter' } });
    const driver = await TopologyTestDriver.create(topology, { partitions: 1 });
    try {
      registry.down = true;
      await assert.rejects(driver.pipeRaw('reg.in', Buffer.from('k'), bytes), (err: unknown) => err instanceof StreamsError && err.code === 'SCHEMA_REGISTRY_UNAVAILABLE' && err.retriable);
      assert.strictEqual(driver.log.records('reg-dead-letter').length, 0, 'not a bad record: no dead letter');
      assert.strictEqual(driver.log.records('reg.out').length, 0);
      registry.down = false;
      await driver.restart('copy-0');
      await driver.process();
      assert.deepStrictEqual(driver.outputTopic<string, string>('reg.out').readNew().map((r) => r.value), ['3.10']);
      assert.strictEqual(driver.log.records('reg-dead-letter').length, 0);
    } finally {
      await driver.close();
    }
  });
});
