/**
 * Overdraft protection on a real broker: `serve` and the four tasks as separate processes (all with
 * --overdraft-limit 0.00), deposits and transfers (many unaffordable, some retried) through the HTTP API while tasks
 * are SIGKILLed and restarted; then a check from the topics alone (read_committed): no balance record ever below
 * zero, every transfer PENDING once then COMPLETED or REJECTED once, each account = its deposits + completed
 * transfers, sum of balances = sum of deposits, nothing dead-lettered.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import Decimal from 'decimal.js';
import { ConfigResourceTypes, Kafka, logLevel } from 'kafkajs';
import { BROKER_START_TIMEOUT_MS, useBroker } from '../support/broker';
import { ISOLATED_WALLET, TopologyProcess, createWalletTopics, killAllTracked, spawnTopology, spawnWalletTasks } from '../support/task-process';
import { readTopicToEnd } from '../support/read-topic';
import { balanceSerde, paymentSerde, transferStatusSerde } from '../../topology/wallet/serdes';
import { prng } from '../support/prng';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const LIMIT = ['--overdraft-limit', '0.00'];
const TASKS = ['payment-0', 'payment-1', 'accountant-0', 'accountant-1'];
const ACCOUNTS = ['Alice', 'Bob', 'Carol', 'Dave', 'Erin', 'Frank'];


describe('wallet with overdraft protection on Kafka: serve and four task processes under SIGKILL', function () {
  this.timeout(300_000);
  let brokers: string;
  let stateDir: string;
  let walletId: string;

  before(async function () {
    this.timeout(BROKER_START_TIMEOUT_MS);
    brokers = await useBroker();
  });
  beforeEach(async () => {
    walletId = `w-od-${randomUUID().slice(0, 8)}`;
    stateDir = mkdtempSync(join(tmpdir(), 'wallet-overdraft-'));
    const created = await createWalletTopics(brokers, walletId, 60_000, LIMIT);
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, new RegExp(`created ${walletId}\\.transfer_status`));
    assert.doesNotMatch(created.stderr, /replication factor/, 'no replication warning on a single broker');
  });
  afterEach(async () => {
    await killAllTracked();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('topics create keeps every record of the internal hops (retention.ms=-1) and compacts the status table', async () => {
    const kafka = new Kafka({ clientId: 'overdraft-topic-check', brokers: [brokers], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    try {
      const names = ['payment', 'debit', 'transfer_request', 'transfer_status'].map((t) => `${walletId}.${t}`);
      const { resources } = await admin.describeConfigs({ includeSynonyms: false, resources: names.map((name) => ({ type: ConfigResourceTypes.TOPIC, name, configNames: ['retention.ms', 'cleanup.policy'] })) });
      const config = Object.fromEntries(resources.map((r) => [r.resourceName.slice(walletId.length + 1), Object.fromEntries(r.configEntries.map((e) => [e.configName, e.configValue]))]));
      assert.equal(config.payment['retention.ms'], '-1');
      assert.equal(config.debit['retention.ms'], '-1');
      assert.notEqual(config.transfer_request['retention.ms'], '-1', 'an input topic keeps the broker default');
      assert.equal(config.transfer_status['cleanup.policy'], 'compact');
    } finally {
      await admin.disconnect();
    }
  });

  it('no balance below zero, every transfer decided once, balances = deposits + completed transfers', async () => {
    const seed = Number(process.env.SEED ?? Date.now() % 100_000);
    const random = prng(seed);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)];
    const tasks = new Map<string, TopologyProcess>();
    const start = (task: string) => tasks.set(task, spawnWalletTasks({ brokers, walletId, stateDir, tasks: [task], name: task, extraArgs: [...LIMIT, '--quiet'] }));
    TASKS.forEach(start);
    const serve = spawnTopology(['serve', '--http', '127.0.0.1:0', '--topology', ISOLATED_WALLET, '--brokers', brokers, ...LIMIT], { env: { WALLET_ID: walletId }, name: 'serve' });
    await serve.waitFor('the transfer API to listen', (p) => /transfer API on http:\/\/127\.0\.0\.1:\d+/.test(p.stderr), 60_000);
    assert.match(serve.stderr, /overdraft protection on/);
    const base = /transfer API on (http:\/\/127\.0\.0\.1:\d+)/.exec(serve.stderr)![1];

    /** Posts until the API acknowledges (a 503 means the outcome is unknown: retry with the same request id). */
    const post = async (path: string, body: object) => {
      for (let attempt = 0; attempt < 20; attempt++) {
        const res = await fetch(`${base}${path}`, { method: 'POST', body: JSON.stringify(body) });
        if (res.status === 201) return;
        assert.equal(res.status, 503, `${path} ${JSON.stringify(body)}: ${res.status} ${await res.text()}`);
        await sleep(250);
      }
      assert.fail(`${path} never acknowledged`);
    };

    const deposits = new Map<string, { account: string; amount: string }>();
    const transfers = new Map<string, { from: string; to: string; amount: string }>();
    const kills: string[] = [];
    const ROUNDS = 300;
    for (let i = 0; i < ROUNDS; i++) {
      const roll = random();
      if (roll < 0.25) {
        const id = randomUUID();
        deposits.set(id, { account: pick(ACCOUNTS), amount: (1 + Math.floor(random() * 2000) / 100).toFixed(2) });
        await post('/api/v1/deposits', { request_id: id, ...deposits.get(id)! });
      } else if (roll < 0.9 || transfers.size === 0) {
        const id = randomUUID();
        const from = pick(ACCOUNTS);
        const to = pick(ACCOUNTS.filter((a) => a !== from));
        transfers.set(id, { from, to, amount: (1 + Math.floor(random() * 1500) / 100).toFixed(2) });
        await post('/api/v1/transfers', { request_id: id, ...transfers.get(id)! });
      } else {
        // A client retry of an earlier transfer.
        const [id, t] = pick([...transfers]);
        await post('/api/v1/transfers', { request_id: id, ...t });
      }
      // Every 60 requests: SIGKILL a task mid-stream and start it again on the same state dir.
      if (i % 60 === 30) {
        const task = pick(TASKS);
        await tasks.get(task)!.kill();
        kills.push(task);
        start(task);
      }
    }

    // Every transfer is decided: its latest status is final (polled through the API).
    const statusOf = async (id: string) => (await (await fetch(`${base}/api/v1/transfers/${id}`)).json()) as { status?: string; reason?: string };
    const deadline = Date.now() + 120_000;
    for (const id of transfers.keys()) {
      for (;;) {
        const s = await statusOf(id);
        if (s.status === 'completed' || s.status === 'rejected') break;
        assert.ok(Date.now() < deadline, `transfer ${id} still ${JSON.stringify(s)} after 120 s (seed ${seed})`);
        await sleep(200);
      }
    }

    // The check, from the topics alone.
    const statuses = await readTopicToEnd(brokers, `${walletId}.transfer_status`, transferStatusSerde, 60_000);
    const history = new Map<string, string[]>();
    for (const r of statuses) history.set(r.key!, [...(history.get(r.key!) ?? []), r.value.status]);
    const model = new Map<string, Decimal>();
    const add = (account: string, amount: Decimal) => model.set(account, (model.get(account) ?? new Decimal(0)).plus(amount));
    let deposited = new Decimal(0);
    for (const d of deposits.values()) {
      add(d.account, new Decimal(d.amount));
      deposited = deposited.plus(d.amount);
    }
    let completed = 0;
    for (const [id, t] of transfers) {
      const h = history.get(id) ?? [];
      assert.ok(h.length === 2 && h[0] === 'PENDING' && (h[1] === 'COMPLETED' || h[1] === 'REJECTED'), `transfer ${id}: statuses ${JSON.stringify(h)} (seed ${seed})`);
      if (h[1] === 'COMPLETED') {
        completed += 1;
        add(t.from, new Decimal(t.amount).neg());
        add(t.to, new Decimal(t.amount));
      }
    }
    const balances = await readTopicToEnd(brokers, `${walletId}.balance`, balanceSerde, 60_000);
    const negative = balances.filter((b) => b.value.balance.isNeg());
    assert.deepEqual(negative.map((b) => `${b.key} ${b.value.balance.toFixed(2)}`), [], `no balance record below zero (seed ${seed})`);
    const latest = new Map(balances.map((b) => [b.key!, b.value.balance]));
    for (const [account, expected] of model) assert.equal((latest.get(account) ?? new Decimal(0)).toFixed(2), expected.toFixed(2), `${account} (seed ${seed})`);
    let total = new Decimal(0);
    for (const b of latest.values()) total = total.plus(b);
    assert.equal(total.toFixed(2), deposited.toFixed(2), `sum of balances = sum of deposits (seed ${seed})`);
    const legs = await readTopicToEnd(brokers, `${walletId}.payment`, paymentSerde, 60_000);
    assert.equal(legs.length, deposits.size + completed, `one credit per deposit and per completed transfer (seed ${seed})`);
    const dead = await readTopicToEnd(brokers, `${walletId}-dead-letter`, { serialize: (b: Buffer) => b, deserialize: (b: Buffer) => b }, 30_000);
    assert.equal(dead.length, 0, 'nothing dead-lettered');
    const rejected = [...history.values()].filter((h) => h[1] === 'REJECTED').length;
    process.stdout.write(`      [overdraft] seed ${seed}: ${deposits.size} deposits, ${transfers.size} transfers (${completed} completed, ${rejected} rejected), SIGKILLs: ${kills.join(' ')}\n`);
    assert.ok(completed > 0 && rejected > 0, 'the run exercised both outcomes');
  });
});
