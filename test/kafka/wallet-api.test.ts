import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { BROKER_START_TIMEOUT_MS, useBroker } from '../support/broker';
import { ISOLATED_WALLET, TopologyProcess, createWalletTopics, killAllTracked, runTopology, spawnTopology, spawnWalletTasks } from '../support/task-process';
import { readTopic } from '../support/read-topic';
import { balanceSerde, transferRequestSerde } from '../../topology/wallet/serdes';

const SEED = '{"from": "Alice", "to": "Bob", "amount": "0.5", "request_id": "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"}';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function startServe(brokers: string, walletId: string): Promise<{ proc: TopologyProcess; base: string }> {
  const proc = spawnTopology(['serve', '--http', '127.0.0.1:0', '--topology', ISOLATED_WALLET, '--brokers', brokers], { env: { WALLET_ID: walletId }, name: 'serve' });
  await proc.waitFor('the transfer API to listen', (p) => /transfer API on http:\/\/127\.0\.0\.1:\d+/.test(p.stderr), 60_000);
  return { proc, base: /transfer API on (http:\/\/127\.0\.0\.1:\d+)/.exec(proc.stderr)![1] };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const got = await probe();
    if (got !== undefined) return got;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(200);
  }
}

describe('wallet API on Kafka: serve, produce, consume', function () {
  this.timeout(240_000);
  let brokers: string;
  let stateDir: string;
  let walletId: string;

  before(async function () {
    this.timeout(BROKER_START_TIMEOUT_MS);
    brokers = await useBroker();
  });
  beforeEach(async () => {
    walletId = `w-api-${randomUUID().slice(0, 8)}`;
    stateDir = mkdtempSync(join(tmpdir(), 'wallet-api-'));
    const created = await createWalletTopics(brokers, walletId);
    assert.equal(created.code, 0, created.stderr);
  });
  afterEach(async () => {
    await killAllTracked();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('the README curl through `topology serve` and the four tasks: 201, balances readable, a retry applies once', async () => {
    const tasks = spawnWalletTasks({ brokers, walletId, stateDir, tasks: ['payment-0', 'payment-1', 'accountant-0', 'accountant-1'], name: 'tasks', extraArgs: ['--metrics', '127.0.0.1:0'] });
    const { base } = await startServe(brokers, walletId);
    const post = () => fetch(`${base}/api/v1/transfers`, { method: 'POST', body: SEED, headers: { 'content-type': 'application/x-www-form-urlencoded' } });

    const res = await post();
    assert.equal(res.status, 201);
    assert.equal(await res.text(), '{"request_id":"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11","from":"Alice","amount":"0.50","to":"Bob"}\n');
    await tasks.waitFor('Bob balance line', (p) => /^Bob balance: 0\.50 USD$/m.test(p.stdout), 90_000);
    const bob = await until('Bob in the balance view', async () => {
      const r = await fetch(`${base}/api/v1/accounts/Bob`);
      return r.status === 200 ? r.json() : undefined;
    }, 30_000);
    assert.deepEqual(bob, { account: 'Bob', balance: '0.50', currency: 'USD' });

    assert.equal((await post()).status, 201, 'a retried POST is accepted again');
    const transfers = await readTopic(brokers, `${walletId}.transfer_request`, transferRequestSerde, { expected: 2, timeoutMs: 30_000 });
    assert.equal(transfers.length, 2, 'both POSTs were written');
    assert.equal(transfers[0].partition, transfers[1].partition, 'keyed by request id: same partition');
    const balances = await readTopic(brokers, `${walletId}.balance`, balanceSerde, { expected: 2, timeoutMs: 30_000, settleMs: 3_000 });
    assert.deepEqual(balances.map((b) => `${b.value.account} ${b.value.balance.toFixed(2)}`).sort(), ['Alice -0.50', 'Bob 0.50']);
    assert.deepEqual(await (await fetch(`${base}/api/v1/accounts/Alice`)).json(), { account: 'Alice', balance: '-0.50', currency: 'USD' });
    assert.equal((await fetch(`${base}/api/v1/accounts/Nobody`)).status, 404);

    // A restarted serve is ready only once its view has read the balances that existed at its start: from then on
    // Bob is there (never a 404 for an account that exists), and before it /healthz says 503.
    const again = await startServe(brokers, walletId);
    await until('the restarted serve to be ready', async () => ((await fetch(`${again.base}/healthz`)).status === 200 ? true : undefined), 30_000);
    const bobAfterRestart = await fetch(`${again.base}/api/v1/accounts/Bob`);
    assert.equal(bobAfterRestart.status, 200, 'ready means the balances that existed at start are readable');
    assert.deepEqual(await bobAfterRestart.json(), { account: 'Bob', balance: '0.50', currency: 'USD' });

    // `run --metrics`: Prometheus text with the tasks' counters.
    const metricsUrl = /metrics on (http:\/\/127\.0\.0\.1:\d+\/metrics)/.exec(tasks.stderr)?.[1];
    assert.ok(metricsUrl, tasks.stderr.slice(-2000));
    const metrics = await (await fetch(metricsUrl)).text();
    assert.match(metrics, /streams_records_processed_total\{task="payment-1"\} 2/);
    assert.match(metrics, /streams_records_produced_total\{task="accountant-1",topic="[^"]+\.balance"\} 2/);
  });

  it('answers 503 broker_unavailable when the transfer cannot be written, and writes nothing', async () => {
    const { base } = await startServe(brokers, walletId);
    const admin = new Kafka({ brokers: [brokers], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [`${walletId}.transfer_request`] });
    await admin.disconnect();
    const res = await fetch(`${base}/api/v1/transfers`, { method: 'POST', body: SEED });
    assert.equal(res.status, 503);
    const body = (await res.json()) as { code: string; message: string };
    assert.equal(body.code, 'broker_unavailable');
    assert.match(body.message, /may or may not have been recorded/);
  });

  it('produce writes good lines, reports bad ones by line and field, and writes nothing of them; consume decodes', async () => {
    const file = join(stateDir, 'transfers.jsonl');
    writeFileSync(
      file,
      [
        '{"request_id":"6ba7b810-9dad-11d1-80b4-00c04fd430c8","from":"John","to":"Carol","amount":"99"}',
        '{"request_id":"6ba7b811-9dad-11d1-80b4-00c04fd430c8","from":"John","to":"Carol","amount":"NaN"}',
        'not json',
        '{"request_id":"6ba7b812-9dad-11d1-80b4-00c04fd430c8","from":"John","to":"John","amount":"1"}',
        '{"request_id":"6BA7B813-9DAD-11D1-80B4-00C04FD430C8","from":" Carol ","to":"John","amount":"1.005"}',
      ].join('\n'),
    );
    const out = await runTopology(['produce', '--topic', `${walletId}.transfer_request`, '--file', file, '--topology', ISOLATED_WALLET, '--brokers', brokers], { env: { WALLET_ID: walletId } });
    assert.equal(out.code, 1, 'some lines were rejected');
    assert.match(out.stderr, /^line 2: amount_invalid: /m);
    assert.match(out.stderr, /^line 3: not JSON/m);
    assert.match(out.stderr, /^line 4: same_account: /m);
    assert.match(out.stderr, /^2 written, 3 rejected$/m);

    const written = await readTopic(brokers, `${walletId}.transfer_request`, transferRequestSerde, { expected: 2, timeoutMs: 30_000, settleMs: 2_000 });
    assert.deepEqual(written.map((r) => [r.key, r.value.from, r.value.to, r.value.amount.toFixed(2)]).sort(), [
      ['6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'John', 'Carol', '99.00'],
      ['6ba7b813-9dad-11d1-80b4-00c04fd430c8', 'Carol', 'John', '1.01'],
    ]);

    spawnWalletTasks({ brokers, walletId, stateDir, tasks: ['payment-0', 'payment-1', 'accountant-0', 'accountant-1'], name: 'tasks' });
    const consumed = await runTopology(['consume', '--topic', `${walletId}.balance`, '--from-beginning', '--max-messages', '4', '--topology', ISOLATED_WALLET, '--brokers', brokers], { env: { WALLET_ID: walletId }, timeoutMs: 120_000 });
    assert.equal(consumed.code, 0, consumed.stderr);
    const lines = consumed.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(lines.length, 4);
    const last = new Map(lines.map((l) => [l.key, l.value.balance]));
    assert.deepEqual(Object.fromEntries(last), { John: '-97.99', Carol: '97.99' });
  });
});
