/**
 * The Avro serde through a real schema registry (Apicurio Registry 3.x, started by test/support/registry.ts, or the
 * one TEST_SCHEMA_REGISTRY_URL names): registration with BACKWARD compatibility, round trips in the Confluent wire
 * format, an unknown writer id fetched once and resolved, and the registry's reason for refusing a schema.
 */
import assert from 'assert';
import { randomUUID } from 'node:crypto';
import Decimal from 'decimal.js';
import type { Schema } from 'avsc';
import { avroSerde, schemaRegistry, SchemaRegistryClient, SchemaRegistryError } from '../../src/serde';
import { REGISTRY_START_TIMEOUT_MS, useRegistry } from '../support/registry';

const money = { type: 'bytes', logicalType: 'decimal', precision: 18, scale: 2 };
const field = (name: string, type: unknown, extra: object = {}) => ({ name, type, ...extra });
const record = (...fields: object[]) => ({ type: 'record', name: 'Entry', namespace: 'registry.test', fields }) as Schema;
const V1 = record(field('id', 'string'), field('amount', money));
const V2 = record(field('id', 'string'), field('amount', money), field('note', 'string', { default: 'none' }));
/** Not BACKWARD compatible with V1: a reader of it cannot read V1's records (no default for `account`). */
const INCOMPATIBLE = record(field('id', 'string'), field('amount', money), field('account', 'string'));

interface Entry {
  id: string;
  amount: Decimal;
  note?: string;
}

/** The registry client, counting the blocking by-id fetches a serde makes. */
function counting(client: SchemaRegistryClient): SchemaRegistryClient & { fetches: number[] } {
  const fetches: number[] = [];
  return {
    url: client.url,
    fetches,
    lookup: (subject, schema) => client.lookup(subject, schema),
    register: (subject, schema, opts) => client.register(subject, schema, opts),
    schemaByIdSync: (id) => {
      fetches.push(id);
      return client.schemaByIdSync(id);
    },
  };
}

describe('Avro serde with a real schema registry (Confluent wire format)', function () {
  this.timeout(30_000);
  let url: string;
  let topic: string;

  before(async function () {
    this.timeout(REGISTRY_START_TIMEOUT_MS);
    url = await useRegistry();
  });
  beforeEach(() => {
    topic = `registry-test.${randomUUID().slice(0, 8)}`;
  });

  it('round-trips money through the registry: registered id in the header, decimal bytes, readable by the library client too', async () => {
    const registry = schemaRegistry(url);
    const serde = avroSerde<Entry>(V1);
    const { id, registered } = await registry.register(`${topic}-value`, serde.registrySchema);
    assert.strictEqual(registered, true);
    assert.deepStrictEqual(await registry.register(`${topic}-value`, serde.registrySchema), { id, registered: false }, 'registering again changes nothing');
    const config = await (await fetch(`${url}/config/${topic}-value`)).json();
    assert.deepStrictEqual(config, { compatibilityLevel: 'BACKWARD' });

    await serde.useSchemaRegistry(registry, [topic]);
    const amounts = ['0.01', '-0.01', '12345678901234.56', '-9999999999999999.99', '0.00'];
    for (const amount of amounts) {
      const bytes = serde.serialize({ id: `e-${amount}`, amount: new Decimal(amount) }, topic);
      assert.strictEqual(bytes[0], 0, 'magic byte');
      assert.strictEqual(bytes.readUInt32BE(1), id, 'the id the registry gave');
      const back = serde.deserialize(bytes, topic);
      assert.strictEqual(back.amount.toFixed(2), new Decimal(amount).toFixed(2));
      // A fresh reader (another process, as it were) learns the id from the registry.
      const reader = avroSerde<Entry>(V1);
      await reader.useSchemaRegistry(registry, []);
      assert.strictEqual(reader.deserialize(bytes, topic).amount.toFixed(2), new Decimal(amount).toFixed(2));
      // @kafkajs/confluent-schema-registry's own decoder, with the library's decimal type plugged in, agrees.
      const decoded = (await schemaRegistry(url).confluentClient.decode(bytes)) as Entry;
      assert.ok(Decimal.isDecimal(decoded.amount), `the library client decodes amounts as Decimal, got ${String(decoded.amount)}`);
      assert.strictEqual(decoded.amount.toFixed(2), new Decimal(amount).toFixed(2));
    }
  });

  it('fetches a writer schema it has not seen once, then decodes with resolution to the reader schema, both ways', async () => {
    const registry = schemaRegistry(url);
    const v1 = avroSerde<Entry>(V1);
    const v2 = avroSerde<Entry>(V2);
    const id1 = (await registry.register(`${topic}-value`, v1.registrySchema)).id;
    const id2 = (await registry.register(`${topic}-value`, v2.registrySchema)).id;
    assert.notStrictEqual(id1, id2);

    // A v2 writer (an upgraded producer), a v1 reader that was told only of its own schema.
    await v2.useSchemaRegistry(registry, [topic]);
    const reader = counting(registry);
    const oldReader = avroSerde<Entry>(V1);
    await oldReader.useSchemaRegistry(reader, [topic]);
    const newer = ['a', 'b', 'c'].map((id) => v2.serialize({ id, amount: new Decimal('2.50'), note: `for ${id}` }, topic));
    const read = newer.map((bytes) => oldReader.deserialize(bytes, topic));
    assert.deepStrictEqual(read.map((e) => ({ id: e.id, amount: e.amount.toFixed(2), fields: Object.keys(e) })), ['a', 'b', 'c'].map((id) => ({ id, amount: '2.50', fields: ['id', 'amount'] })));
    assert.deepStrictEqual(reader.fetches, [id2], 'the unknown id was fetched once, for three records');

    // And a v2 reader reading what a v1 writer wrote gets the new field's default.
    await v1.useSchemaRegistry(registry, [topic]);
    const newReader = counting(registry);
    const upgraded = avroSerde<Entry>(V2);
    await upgraded.useSchemaRegistry(newReader, []);
    const older = v1.serialize({ id: 'old', amount: new Decimal('-1') }, topic);
    assert.deepStrictEqual({ ...upgraded.deserialize(older, topic), amount: '-1.00' }, { id: 'old', amount: '-1.00', note: 'none' });
    upgraded.deserialize(older, topic);
    assert.deepStrictEqual(newReader.fetches, [id1]);
  });

  it('refuses an incompatible schema with the registry\'s reason, and keeps the subject as it was', async () => {
    const registry = schemaRegistry(url);
    const v1 = avroSerde<Entry>(V1);
    await registry.register(`${topic}-value`, v1.registrySchema);
    const err = await registry.register(`${topic}-value`, avroSerde(INCOMPATIBLE).registrySchema).then(() => undefined, (e) => e);
    assert.ok(err instanceof SchemaRegistryError, String(err));
    assert.strictEqual(err.code, 'SCHEMA_INCOMPATIBLE');
    assert.strictEqual(err.status, 409);
    assert.match(err.message, new RegExp(`subject ${topic.replace('.', '\\.')}-value \\(compatibility BACKWARD\\)`));
    // The registry's own words (Apicurio names the offending field; other registries word it their way).
    assert.match(err.message, /incompatible/i);
    const versions = await (await fetch(`${url}/subjects/${topic}-value/versions`)).json();
    assert.deepStrictEqual(versions, [1]);
  });

  it('a serde whose schema the subject does not hold cannot start writing', async () => {
    const serde = avroSerde<Entry>(V1);
    const err = await serde.useSchemaRegistry(schemaRegistry(url), [topic]).then(() => undefined, (e) => e);
    assert.ok(err instanceof SchemaRegistryError);
    assert.strictEqual(err.code, 'SCHEMA_NOT_REGISTERED');
  });
});
