/**
 * The CLI with a real schema registry (Apicurio Registry 3.x from test/support/registry.ts) on the suite's broker:
 * `topics create --schema-registry` registers the value schemas and refuses an incompatible change with the
 * registry's reason; and what the wallet writes with `--schema-registry` is read back by a consumer that knows only
 * Kafka, the registry's REST API and the Apache Avro rules (avsc with the fetched schema, decimals decoded by hand):
 * no code of this repository on the read side.
 */
import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Type } from 'avsc';
import { Kafka, logLevel } from 'kafkajs';
import { BROKER_START_TIMEOUT_MS, useBroker } from '../support/broker';
import { REGISTRY_START_TIMEOUT_MS, useRegistry } from '../support/registry';
import { ISOLATED_WALLET, ROOT, killAllTracked, runTopology, spawnTopology, spawnWalletTasks } from '../support/task-process';

const FIXTURE = join(ROOT, 'test', 'fixtures', 'registry-topology.ts');

/** Every committed record of a topic, as raw bytes, read with plain kafkajs until it stays quiet for `quietMs`. */
async function rawRecords(brokers: string, topic: string, expected: number, timeoutMs: number): Promise<Array<{ key: string; value: Buffer }>> {
  const kafka = new Kafka({ clientId: `raw-${randomUUID()}`, brokers: brokers.split(','), logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `raw-${randomUUID()}`, readUncommitted: false, maxWaitTimeInMs: 200 });
  const out: Array<{ key: string; value: Buffer }> = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ autoCommit: false, eachMessage: async ({ message }) => void out.push({ key: message.key!.toString('utf8'), value: message.value! }) });
    const deadline = Date.now() + timeoutMs;
    while (out.length < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    await new Promise((r) => setTimeout(r, 1_000)); // extras, if any, would show here
    return [...out];
  } finally {
    await consumer.disconnect();
  }
}

/**
 * A consumer's decoder built from the registry's REST API and the Avro specification alone: the Confluent framing
 * (magic byte 0, schema id as 4 bytes big-endian), `GET /schemas/ids/{id}`, avsc for the Avro binary, and the
 * `decimal` logical type by hand (big-endian two's complement of the unscaled value; scale from the schema).
 */
class PlainAvroReader {
  private readonly schemas = new Map<number, { type: Type; schema: { name: string; namespace?: string; fields: Array<{ name: string; type: any }> } }>();
  constructor(private readonly url: string) {}

  async decode(bytes: Buffer): Promise<{ schemaId: number; fullName: string; value: Record<string, unknown> }> {
    assert.equal(bytes[0], 0, 'magic byte 0');
    const schemaId = bytes.readUInt32BE(1);
    let known = this.schemas.get(schemaId);
    if (!known) {
      const res = await fetch(`${this.url}/schemas/ids/${schemaId}`);
      assert.equal(res.status, 200, `GET /schemas/ids/${schemaId}`);
      const schema = JSON.parse(((await res.json()) as { schema: string }).schema);
      // No logical types given: avsc reads a decimal as its underlying bytes, as the spec allows.
      known = { type: Type.forSchema(schema), schema };
      this.schemas.set(schemaId, known);
    }
    const datum = known.type.fromBuffer(bytes.subarray(5)) as Record<string, unknown>;
    const value: Record<string, unknown> = {};
    for (const field of known.schema.fields) {
      const t = field.type;
      value[field.name] = typeof t === 'object' && t.logicalType === 'decimal' ? decimalFromBytes(datum[field.name] as Buffer, t.scale ?? 0) : datum[field.name];
    }
    return { schemaId, fullName: `${known.schema.namespace}.${known.schema.name}`, value };
  }
}

/** Avro decimal: the unscaled value as big-endian two's complement, then `scale` digits after the point. */
function decimalFromBytes(bytes: Buffer, scale: number): string {
  let unscaled = BigInt(`0x${bytes.toString('hex') || '0'}`);
  if (bytes.length > 0 && bytes[0] & 0x80) unscaled -= 1n << BigInt(bytes.length * 8);
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  return `${negative ? '-' : ''}${digits.slice(0, digits.length - scale)}${scale > 0 ? `.${digits.slice(-scale)}` : ''}`;
}

describe('schema registry on Kafka: topics create, and the wallet in the Confluent wire format', function () {
  this.timeout(240_000);
  let brokers: string;
  let url: string;
  let dir: string;

  before(async function () {
    this.timeout(BROKER_START_TIMEOUT_MS + REGISTRY_START_TIMEOUT_MS);
    [brokers, url] = await Promise.all([useBroker(), useRegistry()]);
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'registry-'));
  });
  afterEach(async () => {
    await killAllTracked();
    rmSync(dir, { recursive: true, force: true });
  });

  it('decodes the hand-written decimal rule as the spec says', () => {
    assert.equal(decimalFromBytes(Buffer.from([0x00, 0x32]), 2), '0.50');
    assert.equal(decimalFromBytes(Buffer.from([0xff, 0xce]), 2), '-0.50');
    assert.equal(decimalFromBytes(Buffer.from([0x80]), 0), '-128');
  });

  it('topics create registers every value schema (BACKWARD) and refuses an incompatible change with the registry\'s reason', async () => {
    const id = `reg-${randomUUID().slice(0, 8)}`;
    const create = (schema: string, registryArgs: string[], env: NodeJS.ProcessEnv = {}) =>
      runTopology(['topics', 'create', '--topology', FIXTURE, '--brokers', brokers, ...registryArgs], { env: { REGISTRY_FIXTURE_ID: id, REGISTRY_FIXTURE_SCHEMA: schema, ...env }, name: `topics create ${schema}` });
    const versions = async (subject: string) => (await fetch(`${url}/subjects/${subject}/versions`)).json();

    const first = await create('v1', ['--schema-registry', url]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, new RegExp(`^registered ${id}\\.entry-value \\(schema id \\d+\\)$`, 'm'));
    assert.match(first.stdout, new RegExp(`^registered ${id}\\.entry_copy-value \\(schema id \\d+\\)$`, 'm'));
    assert.match(first.stdout, new RegExp(`^created ${id}\\.entry$`, 'm'));
    assert.deepEqual(await (await fetch(`${url}/config/${id}.entry-value`)).json(), { compatibilityLevel: 'BACKWARD' });

    // Again, with the URL from SCHEMA_REGISTRY_URL: nothing new to register, nothing to create.
    const again = await create('v1', [], { SCHEMA_REGISTRY_URL: url });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, new RegExp(`^schema   ${id}\\.entry-value \\(schema id \\d+\\)$`, 'm'));
    assert.match(again.stdout, new RegExp(`^exists  ${id}\\.entry$`, 'm'));
    assert.deepEqual(await versions(`${id}.entry-value`), [1]);

    const compatible = await create('v2', ['--schema-registry', url]);
    assert.equal(compatible.code, 0, compatible.stderr);
    assert.match(compatible.stdout, new RegExp(`^registered ${id}\\.entry-value`, 'm'));
    assert.deepEqual(await versions(`${id}.entry-value`), [1, 2]);

    const refused = await create('v3', ['--schema-registry', url]);
    assert.equal(refused.code, 1, refused.stdout);
    const error = refused.stderr.trim().split('\n').find((l) => l.startsWith('error: ')) ?? '';
    assert.match(error, new RegExp(`subject ${id}\\.entry-value \\(compatibility BACKWARD\\)`), refused.stderr);
    assert.match(error, /incompatible/i);
    assert.match(error, /\[SCHEMA_INCOMPATIBLE\]$/);
    if (!process.env.TEST_SCHEMA_REGISTRY_URL) assert.match(error, /merchant_code/, 'Apicurio names the field that breaks compatibility');
    assert.deepEqual(await versions(`${id}.entry-value`), [1, 2], 'the refused schema was not registered');
  });

  it('the wallet writes the Confluent wire format: a plain Avro reader decodes it with the registry\'s schemas; consume and serve use the registry too', async () => {
    const walletId = `w-reg-${randomUUID().slice(0, 8)}`;
    const env = { WALLET_ID: walletId };
    const created = await runTopology(['topics', 'create', '--topology', ISOLATED_WALLET, '--brokers', brokers, '--schema-registry', url], { env, name: 'topics create' });
    assert.equal(created.code, 0, created.stderr);
    const subjects = (await (await fetch(`${url}/subjects`)).json()) as string[];
    for (const s of ['transfer_request', 'payment', 'balance'].map((t) => `${walletId}.${t}-value`).concat(`${walletId}-balance-changelog-value`)) {
      assert.ok(subjects.includes(s), `subject ${s} registered (have ${subjects.filter((x) => x.startsWith(walletId)).join(', ')})`);
    }

    const tasks = spawnWalletTasks({ brokers, walletId, stateDir: join(dir, 'state'), tasks: ['payment-0', 'payment-1', 'accountant-0', 'accountant-1'], name: 'tasks', extraArgs: ['--schema-registry', url] });
    const file = join(dir, 'transfers.jsonl');
    writeFileSync(
      file,
      [
        '{"request_id":"6ba7b810-9dad-11d1-80b4-00c04fd430c8","from":"Alice","to":"Bob","amount":"10.25"}',
        '{"request_id":"6ba7b811-9dad-11d1-80b4-00c04fd430c8","from":"Bob","to":"Carol","amount":"0.75"}',
        '{"request_id":"6ba7b812-9dad-11d1-80b4-00c04fd430c8","from":"Carol","to":"Alice","amount":"123456789.01"}',
      ].join('\n'),
    );
    const produced = await runTopology(['produce', '--topic', `${walletId}.transfer_request`, '--file', file, '--topology', ISOLATED_WALLET, '--brokers', brokers, '--schema-registry', url], { env, name: 'produce' });
    assert.equal(produced.code, 0, produced.stderr);
    assert.match(produced.stderr, /^3 written, 0 rejected$/m);

    // One more through the transfer API, its registry from TOPOLOGY_SCHEMA_REGISTRY.
    const serve = spawnTopology(['serve', '--http', '127.0.0.1:0', '--topology', ISOLATED_WALLET, '--brokers', brokers], { env: { ...env, TOPOLOGY_SCHEMA_REGISTRY: url }, name: 'serve' });
    await serve.waitFor('the transfer API', (p) => /transfer API on http:\/\/127\.0\.0\.1:\d+/.test(p.stderr), 60_000);
    assert.match(serve.stderr, new RegExp(`schema registry ${url.replace(/[.]/g, '\\.')}`));
    const base = /transfer API on (http:\/\/127\.0\.0\.1:\d+)/.exec(serve.stderr)![1];
    const posted = await fetch(`${base}/api/v1/transfers`, { method: 'POST', body: '{"request_id":"6ba7b813-9dad-11d1-80b4-00c04fd430c8","from":"Bob","to":"Dave","amount":"2"}' });
    assert.equal(posted.status, 201, await posted.text());

    await tasks.waitFor('the last balances', (p) => /^Dave balance: 2\.00 USD$/m.test(p.stdout) && /^Alice balance: 123456778\.76 USD$/m.test(p.stdout), 120_000);

    const reader = new PlainAvroReader(url);
    const requests = await rawRecords(brokers, `${walletId}.transfer_request`, 4, 30_000);
    const requestValues = await Promise.all(requests.map((r) => reader.decode(r.value)));
    assert.deepEqual(new Set(requestValues.map((r) => r.fullName)), new Set(['wallet.TransferRequest']));
    assert.deepEqual(requestValues.map((r) => `${r.value.from}>${r.value.to} ${r.value.amount}`).sort(), ['Alice>Bob 10.25', 'Bob>Carol 0.75', 'Bob>Dave 2.00', 'Carol>Alice 123456789.01']);

    const payments = await rawRecords(brokers, `${walletId}.payment`, 8, 30_000);
    const legs = await Promise.all(payments.map((r) => reader.decode(r.value)));
    assert.equal(legs.length, 8);
    assert.deepEqual(new Set(legs.map((l) => l.fullName)), new Set(['wallet.Payment']));
    assert.deepEqual(
      legs.map((l) => `${l.value.account} ${l.value.direction === 'OUTGOING' ? '-' : '+'}${l.value.amount}`).sort(),
      ['Alice +123456789.01', 'Alice -10.25', 'Bob +10.25', 'Bob -0.75', 'Bob -2.00', 'Carol +0.75', 'Carol -123456789.01', 'Dave +2.00'],
    );
    for (const [i, p] of payments.entries()) assert.equal(p.key, legs[i].value.account, 'legs are keyed by account');

    const balanceRecords = await rawRecords(brokers, `${walletId}.balance`, 8, 30_000);
    const balances = await Promise.all(balanceRecords.map((r) => reader.decode(r.value)));
    assert.deepEqual(new Set(balances.map((b) => b.fullName)), new Set(['wallet.Balance']));
    const latest = new Map<string, { balance: unknown; version: unknown }>();
    for (const b of balances) {
      const seen = latest.get(b.value.account as string);
      if (!seen || Number(seen.version) < Number(b.value.version)) latest.set(b.value.account as string, { balance: b.value.balance, version: b.value.version });
    }
    assert.deepEqual(Object.fromEntries([...latest].map(([a, b]) => [a, b.balance])), { Alice: '123456778.76', Bob: '7.50', Carol: '-123456788.26', Dave: '2.00' });

    // The schema behind the ids is the repository's schemas/payment.avsc, decimal attributes included.
    const paymentSchema = JSON.parse(((await (await fetch(`${url}/schemas/ids/${legs[0].schemaId}`)).json()) as { schema: string }).schema);
    assert.deepEqual(paymentSchema.fields.find((f: { name: string }) => f.name === 'amount').type, { type: 'bytes', logicalType: 'decimal', precision: 18, scale: 2 });

    // consume reads the same records through the registry; without one it says what is missing.
    const consumed = await runTopology(['consume', '--topic', `${walletId}.balance`, '--from-beginning', '--max-messages', '8', '--topology', ISOLATED_WALLET, '--brokers', brokers, '--schema-registry', url], { env, name: 'consume', timeoutMs: 60_000 });
    assert.equal(consumed.code, 0, consumed.stderr);
    const lines = consumed.stdout.trim().split('\n').map((l) => JSON.parse(l) as { key: string; value: { balance: string; version: number } });
    assert.equal(lines.length, 8);
    const lastByAccount = Object.fromEntries(lines.sort((a, b) => a.value.version - b.value.version).map((l) => [l.key, l.value.balance]));
    assert.deepEqual(lastByAccount, { Alice: '123456778.76', Bob: '7.50', Carol: '-123456788.26', Dave: '2.00' });
    const blind = await runTopology(['consume', '--topic', `${walletId}.balance`, '--from-beginning', '--max-messages', '1', '--topology', ISOLATED_WALLET, '--brokers', brokers], { env, name: 'consume without registry', timeoutMs: 60_000 });
    assert.match(blind.stderr, /cannot decode: value is in the Confluent wire format \(schema id \d+\), but no schema registry is configured/);
  });
});
