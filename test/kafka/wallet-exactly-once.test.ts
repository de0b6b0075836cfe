/**
 * The wallet end to end on a real broker, every task a separate `topology run` process: the seed scenario, SIGKILL
 * of tasks mid-stream, a deleted state directory, two instances of one task (fencing), and the topic checks.
 *
 * Each test has its own WALLET_ID (topics, groups and transactional ids), its own state dir, and kills every process
 * it started (by pid) afterwards. Outputs are read with read_committed consumers: what a downstream service sees.
 */
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Decimal from 'decimal.js';
import { ConfigResourceTypes, Kafka, logLevel } from 'kafkajs';
import { TopicProducer } from '../../src/kafka/topic-producer';
import { partitionForKey } from '../../src/runtime/murmur2';
import { Serde } from '../../src/serde/serde';
import { buildWallet, walletTopics } from '../../topology/wallet/topology';
import { balanceSerde, paymentSerde } from '../../topology/wallet/serdes';
import { Balance, Payment, TransferRequest } from '../../topology/wallet/types';
import { BROKER_START_TIMEOUT_MS, useBroker } from '../support/broker';
import { TopicReader, TopicRecord, readTopicToEnd, waitForCommittedOffset } from '../support/read-topic';
import { TopologyProcess, createWalletTopics, killAllTracked, spawnWalletTasks } from '../support/task-process';
import { prng } from '../support/prng';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `cond` every 10 ms until it holds; fails naming `what` at the deadline. */
async function waitUntil(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() >= deadline) throw new Error(`expected ${what} within ${timeoutMs} ms`);
    await sleep(10);
  }
}
const partitionOf = (key: string) => partitionForKey(Buffer.from(key, 'utf8'), 2);
const TASKS = ['payment-0', 'payment-1', 'accountant-0', 'accountant-1'] as const;

/** Alice, Bob, Frank are on partition 1 (accountant-1); John, Carol, Dave on partition 0 (accountant-0). */
const ACCOUNTS = ['Alice', 'Bob', 'John', 'Carol', 'Dave', 'Frank'];

const transfer = (request_id: string, from: string, to: string, amount: string): TransferRequest => ({ request_id, from, to, amount: new Decimal(amount) });


/** account -> balance from the distinct transfers. */
function model(transfers: Iterable<TransferRequest>): Map<string, Decimal> {
  const out = new Map<string, Decimal>();
  for (const t of transfers) {
    out.set(t.from, (out.get(t.from) ?? new Decimal(0)).minus(t.amount));
    out.set(t.to, (out.get(t.to) ?? new Decimal(0)).plus(t.amount));
  }
  return out;
}

/** account -> the balance record with the highest version. */
function latest(balances: Array<TopicRecord<Balance>>): Map<string, Balance> {
  const out = new Map<string, Balance>();
  for (const r of balances) {
    const prev = out.get(r.value.account);
    if (!prev || Number(r.value.version) > Number(prev.version)) out.set(r.value.account, r.value);
  }
  return out;
}

const fmt = (m: Map<string, Decimal | Balance>) =>
  Object.fromEntries(
    [...m]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => [k, (Decimal.isDecimal(v) ? (v as Decimal) : (v as Balance).balance).toFixed(2)]),
  );

function assertBalancesMatchModel(balances: Array<TopicRecord<Balance>>, distinct: Iterable<TransferRequest>): void {
  const expected = model(distinct);
  const got = latest(balances);
  assert.deepEqual(fmt(got), fmt(expected), 'latest balance per account (wallet.balance) vs the model (sum of distinct transfers)');
  const total = [...got.values()].reduce((s, b) => s.plus(b.balance), new Decimal(0));
  assert.ok(total.isZero(), `balances must sum to 0, got ${total.toFixed(2)}`);
}

/** No (account, version) twice, versions 1..n per account in log order, one record per (account, request id). */
function assertNoDuplicateBalances(balances: Array<TopicRecord<Balance>>): void {
  const seen = new Map<string, TopicRecord<Balance>>();
  const dups: string[] = [];
  for (const r of balances) {
    const k = `${r.value.account}@v${r.value.version}`;
    const prev = seen.get(k);
    if (prev) dups.push(`${k} at ${prev.partition}:${prev.offset} (${prev.value.request_id} -> ${prev.value.balance.toFixed(2)}) and ${r.partition}:${r.offset} (${r.value.request_id} -> ${r.value.balance.toFixed(2)})`);
    else seen.set(k, r);
  }
  assert.deepEqual(dups.slice(0, 20), [], `wallet.balance has ${dups.length} duplicate (account, version) records`);
  const legs = new Set<string>();
  const dupLegs: string[] = [];
  for (const r of balances) {
    const k = `${r.value.account}:${r.value.request_id}`;
    if (legs.has(k)) dupLegs.push(`${k} at ${r.partition}:${r.offset}`);
    legs.add(k);
  }
  assert.deepEqual(dupLegs.slice(0, 20), [], `wallet.balance has ${dupLegs.length} duplicate (account, request id) records`);
  const versions = new Map<string, number[]>();
  for (const r of [...balances].sort((a, b) => a.partition - b.partition || a.offset - b.offset)) {
    versions.set(r.value.account, [...(versions.get(r.value.account) ?? []), Number(r.value.version)]);
  }
  for (const [account, vs] of versions) {
    const gaps = vs.map((v, i) => (v === i + 1 ? undefined : `#${i}: v${v}`)).filter(Boolean);
    assert.deepEqual(gaps.slice(0, 10), [], `${account}: balance versions must be 1..${vs.length} in log order`);
  }
}

/** Exactly one OUTGOING and one INCOMING leg per distinct request id on wallet.payment. */
function assertPaymentLegs(payments: Array<TopicRecord<Payment>>, distinct: TransferRequest[]): void {
  const counts = new Map<string, number>();
  for (const p of payments) counts.set(`${p.value.request_id}:${p.value.direction}`, (counts.get(`${p.value.request_id}:${p.value.direction}`) ?? 0) + 1);
  const dups = [...counts].filter(([, n]) => n > 1).map(([k, n]) => `${k} x${n}`);
  assert.deepEqual(dups.slice(0, 20), [], `wallet.payment has ${dups.length} duplicate (request id, direction) legs`);
  const missing = distinct.flatMap((t) => [`${t.request_id}:OUTGOING`, `${t.request_id}:INCOMING`]).filter((k) => !counts.has(k));
  assert.deepEqual(missing.slice(0, 20), [], `wallet.payment misses ${missing.length} legs`);
  assert.equal(payments.length, 2 * distinct.length, 'wallet.payment: exactly 2 records per distinct request id');
}

describe('wallet on Kafka: exactly once across processes', function () {
  let brokers: string;
  let kafka: Kafka;
  const cleanups: Array<() => Promise<void> | void> = [];

  before(async function () {
    this.timeout(BROKER_START_TIMEOUT_MS);
    brokers = await useBroker();
    kafka = new Kafka({ clientId: 'wallet-exactly-once-test', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
  });

  afterEach(async function () {
    this.timeout(60_000);
    // every child this file started, by pid: SIGTERM, then SIGKILL after 5 s
    await killAllTracked(5_000);
    for (const c of cleanups.splice(0).reverse()) await Promise.resolve(c()).catch(() => undefined);
  });

  /** A fresh isolated wallet: its topics (through the CLI), a state dir, a typed producer, readers of its outputs. */
  async function newWallet(prefix: string) {
    const id = `w-${prefix}-${randomBytes(4).toString('hex')}`;
    const created = await createWalletTopics(brokers, id);
    assert.equal(created.code, 0, `topics create for ${id} failed:\n${created.stdout}\n${created.stderr}`);
    const stateDir = mkdtempSync(join(tmpdir(), `${id}-`));
    cleanups.push(() => rmSync(stateDir, { recursive: true, force: true }));
    const topics = walletTopics(`${id}.`);
    const topology = buildWallet({ applicationId: id, topics });
    const producer = await TopicProducer.connect<string, TransferRequest>(kafka, topology, topics.transferRequest, { key: (v) => v.request_id });
    cleanups.push(() => producer.close());
    const spawnTask = (task: string, opts: { stateDir?: string; name?: string } = {}) =>
      spawnWalletTasks({ brokers, walletId: id, stateDir: opts.stateDir ?? stateDir, tasks: [task], name: opts.name ?? task });
    const reader = async <V>(topic: string, serde: Serde<V>) => {
      const r = await TopicReader.start<V>(brokers, topic, serde);
      cleanups.push(() => r.stop());
      return r;
    };
    return { id, stateDir, topics, topology, producer, spawnTask, reader };
  }

  /** Starts the 4 tasks, one process each, and waits until each consumes. */
  async function startAll(w: Awaited<ReturnType<typeof newWallet>>): Promise<Record<string, TopologyProcess>> {
    const procs = Object.fromEntries(TASKS.map((t) => [t, w.spawnTask(t)]));
    await Promise.all(TASKS.map((t) => waitConsuming(procs[t], t)));
    return procs;
  }

  const waitConsuming = (p: TopologyProcess, task: string, timeoutMs = 60_000) => p.waitForStderr(`task ${task} consuming`, timeoutMs);

  it('seed: Alice sends Bob 0.50, then the same request again changes nothing', async function () {
    this.timeout(120_000);
    const w = await newWallet('seed');
    const procs = await startAll(w);
    const requestId = 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11';
    const p = partitionOf(requestId);
    const balances = await w.reader(w.topics.balance, balanceSerde);

    await w.producer.send([{ value: transfer(requestId, 'Alice', 'Bob', '0.50') }]);
    await balances.waitForCount(2, 30_000, (r) => JSON.stringify(r.map((x) => x.value)));
    const got = balances.records.map((r) => ({ account: r.value.account, balance: r.value.balance.toFixed(2), version: Number(r.value.version), request_id: r.value.request_id }));
    assert.deepEqual(
      got.sort((a, b) => a.account.localeCompare(b.account)),
      [
        { account: 'Alice', balance: '-0.50', version: 1, request_id: requestId },
        { account: 'Bob', balance: '0.50', version: 1, request_id: requestId },
      ],
    );
    // report lines are printed after the commit; give stdout a moment to arrive
    const owner = procs[`accountant-${partitionOf('Bob')}`];
    await owner.waitForStdout('Bob balance: 0.50 USD', 10_000);
    await owner.waitForStdout('Alice balance: -0.50 USD', 10_000);
    const payment = procs[`payment-${p}`];
    await payment.waitForStdout(new RegExp(`^\\d+:\\d+ ${requestId} Alice -\\$0\\.50$`, 'm'), 10_000);
    await payment.waitForStdout(new RegExp(`^\\d+:\\d+ ${requestId} Bob \\+\\$0\\.50$`, 'm'), 10_000);
    assert.equal(procs[`payment-${1 - p}`].stdout, '', 'the other payment task printed nothing');

    // the same request again: consumed (offset 2 committed), deduplicated, nothing new downstream
    await w.producer.send([{ value: transfer(requestId, 'Alice', 'Bob', '0.50') }]);
    await waitForCommittedOffset(brokers, `${w.id}-payment-${p}`, w.topics.transferRequest, p, 2, 30_000);
    // read to the end offsets: whatever the retry might have produced is committed (same transaction as the offset) and read
    const payments = await readTopicToEnd(brokers, w.topics.payment, paymentSerde, 30_000);
    assert.equal(payments.length, 2, `wallet.payment after the retry: ${JSON.stringify(payments.map((r) => r.value))}`);
    await sleep(1_000);
    const after = await readTopicToEnd(brokers, w.topics.balance, balanceSerde, 30_000);
    assert.equal(after.length, 2, `wallet.balance after the retry: ${JSON.stringify(after.map((r) => r.value))}`);
    assert.equal(payment.stdoutLines.length, 2, `payment-${p} printed only the 2 legs:\n${payment.stdout}`);
    for (const t of TASKS) assert.ok(procs[t].running, `${t} still runs`);
  });

  it('SIGKILL of tasks mid-stream: ~3000 transfers with retries, exactly once downstream', async function () {
    this.timeout(240_000);
    const w = await newWallet('kill');
    const seed = Number(process.env.WALLET_TEST_SEED ?? Date.now() % 1_000_000);
    const rand = prng(seed);
    const procs = await startAll(w);
    const balances = await w.reader(w.topics.balance, balanceSerde);

    // ~2700 distinct transfers + ~300 retries of earlier ones (same request id and content), in chunks of 200
    const TOTAL = 3000;
    const CHUNK = 200;
    const distinct: TransferRequest[] = [];
    const sends: TransferRequest[] = [];
    for (let i = 0; i < TOTAL; i++) {
      if (distinct.length > 20 && rand() < 0.1) {
        sends.push(distinct[Math.floor(rand() * distinct.length)]);
        continue;
      }
      const from = ACCOUNTS[Math.floor(rand() * ACCOUNTS.length)];
      let to = ACCOUNTS[Math.floor(rand() * (ACCOUNTS.length - 1))];
      if (to === from) to = ACCOUNTS[ACCOUNTS.length - 1];
      const amount = new Decimal(1 + Math.floor(rand() * 5000)).div(100).toFixed(2);
      const t = transfer(`${w.id}-${i}-${randomBytes(4).toString('hex')}`, from, to, amount);
      distinct.push(t);
      sends.push(t);
    }
    const expected = 2 * distinct.length;
    const duplicates = sends.length - distinct.length;

    const events: string[] = [];
    const t0 = Date.now();
    const mark = (what: string) => events.push(`+${((Date.now() - t0) / 1000).toFixed(1)}s ${what} (balance records: ${balances.records.length}/${expected})`);
    const lines = (task: string) => procs[task].stdoutLines.length;
    const restart = async (task: string) => {
      const old = procs[task];
      const exit = await old.kill();
      mark(`${task} pid ${old.pid} SIGKILLed (${exit.signal}) after ${old.stdoutLines.length} report lines`);
      const fresh = w.spawnTask(task, { name: `${task}#restarted` });
      procs[task] = fresh;
      void fresh.waitForStderr(`task ${task} consuming`, 120_000).then(
        () => mark(`${task}#restarted consuming again (${((Date.now() - fresh.startedAt) / 1000).toFixed(1)} s after its spawn)`),
        () => undefined,
      );
    };
    /** Distinct transfers among the first n sends, times 2: the balance records they make. */
    const expectedAfter = (n: number) => 2 * new Set(sends.slice(0, n).map((t) => t.request_id)).size;
    const send = async (from: number, to: number) => {
      for (let i = from; i < to; i += CHUNK) {
        await w.producer.send(sends.slice(i, Math.min(i + CHUNK, to)).map((value) => ({ value })));
        await sleep(20);
      }
    };

    // first third, nothing killed: the steady-state rate of 4 processes on this machine
    await send(0, 1000);
    mark('sent 1000');
    await balances.waitForCount(expectedAfter(1000), 60_000, () => `(${events.join('; ')})`);
    const cleanSeconds = (Date.now() - t0) / 1000;
    mark(`first 1000 fully processed in ${cleanSeconds.toFixed(1)} s`);

    // second third: SIGKILL accountant-1 and payment-0 while they are busy with it
    const a1 = lines('accountant-1');
    const p0 = lines('payment-0');
    await send(1000, 1400);
    await waitUntil(() => lines('accountant-1') >= a1 + 40 && lines('payment-0') >= p0 + 40, 30_000, 'accountant-1 and payment-0 busy with the second third');
    await Promise.all([restart('accountant-1'), restart('payment-0')]);
    await send(1400, 2000);
    mark('sent 2000');

    // while those two restart: SIGKILL accountant-0 mid-stream (payment-1 keeps feeding it)
    const a0 = lines('accountant-0');
    await send(2000, 2400);
    await waitUntil(() => lines('accountant-0') >= a0 + 40, 60_000, 'accountant-0 busy with the last third');
    mark(`accountant-0 printed ${lines('accountant-0') - a0} more lines`);
    await restart('accountant-0');
    await send(2400, sends.length);
    mark(`sent all ${sends.length} (${distinct.length} distinct, ${duplicates} retries)`);

    await balances.waitForCount(expected, 180_000, (r) => `(${events.join('; ')})\n${TASKS.map((t) => procs[t].tail(8)).join('\n')}`);
    const elapsed = (Date.now() - t0) / 1000;
    mark('balance complete');
    await sleep(3_000); // no extras may follow
    await balances.waitForEnd(30_000); // everything written so far has been read
    const allBalances = [...balances.records];
    const payments = await readTopicToEnd(brokers, w.topics.payment, paymentSerde, 30_000);

    const restarts = TASKS.filter((t) => procs[t].name.endsWith('#restarted'));
    const restoredLogs = restarts.map((t) => procs[t].logs.find((l) => typeof l.msg === 'string' && l.msg.includes('restored'))?.msg);
    console.log(
      `      [lead] seed ${seed}: ${sends.length} transfers (${distinct.length} distinct, ${duplicates} retries), 3 SIGKILLs + restarts\n` +
        `      [lead] first 1000 transfers (no kills): produced and fully processed in ${cleanSeconds.toFixed(1)} s = ${(1000 / cleanSeconds).toFixed(0)} transfers/s\n` +
        `      [lead] all ${sends.length}: ${expected} balance records committed ${elapsed.toFixed(1)} s after the first send = ${(sends.length / elapsed).toFixed(0)} transfers/s end to end incl. kills and restarts\n      [lead] ${events.join('\n      [lead] ')}\n      [lead] restarted: ${restoredLogs.join(' | ')}`,
    );

    assert.equal(allBalances.length, expected, `wallet.balance: exactly 2 x ${distinct.length} distinct records, 3 s after reaching the count`);
    assertNoDuplicateBalances(allBalances);
    assertPaymentLegs(payments, distinct);
    assertBalancesMatchModel(allBalances, distinct);
    for (const t of TASKS) assert.ok(procs[t].running, `${t} still runs:\n${procs[t].tail()}`);
  });

  it('deleted state directory: accountant-1 is rebuilt from its changelog and continues from the right balance', async function () {
    this.timeout(120_000);
    const w = await newWallet('wipe');
    const procs = await startAll(w);
    const balances = await w.reader(w.topics.balance, balanceSerde);
    const rand = prng(42);
    const distinct: TransferRequest[] = [];
    for (let i = 0; i < 60; i++) {
      const from = ACCOUNTS[i % ACCOUNTS.length];
      const to = ACCOUNTS[(i + 1 + Math.floor(rand() * (ACCOUNTS.length - 1))) % ACCOUNTS.length];
      distinct.push(transfer(`${w.id}-${i}`, from, to, new Decimal(1 + Math.floor(rand() * 999)).div(100).toFixed(2)));
    }
    await w.producer.send(distinct.map((value) => ({ value })));
    await balances.waitForCount(2 * distinct.length, 60_000);

    const old = procs['accountant-1'];
    const exit = await old.stop(20_000);
    assert.deepEqual(exit, { code: 0, signal: null }, `accountant-1 must exit 0 on SIGTERM\n${old.tail()}`);
    const taskDir = join(w.stateDir, w.id, 'accountant-1');
    assert.ok(existsSync(taskDir), `${taskDir} exists before the wipe`);
    rmSync(taskDir, { recursive: true, force: true });

    const fresh = w.spawnTask('accountant-1', { name: 'accountant-1#wiped' });
    procs['accountant-1'] = fresh;
    await waitConsuming(fresh, 'accountant-1');
    const restoring = fresh.logs.filter((l) => typeof l.msg === 'string' && /^restoring store /.test(l.msg));
    assert.ok(restoring.some((l) => l.store === 'balance' && l.from === 0), `expected restore progress of store balance from offset 0 on stderr:\n${fresh.stderr}`);
    const restored = fresh.logs.find((l) => typeof l.msg === 'string' && l.msg.includes('restored'));
    assert.ok(restored && Number(restored.restored) > 0, `expected "restored (N changelog records replayed)" with N > 0:\n${fresh.stderr}`);

    // one more transfer between accountant-1's accounts: it must continue from the pre-wipe balances
    const last = transfer(`${w.id}-last`, 'Alice', 'Bob', '12.34');
    const before = latest(balances.records);
    await w.producer.send([{ value: last }]);
    await balances.waitForCount(2 * distinct.length + 2, 30_000);
    await sleep(1_000);
    await balances.waitForEnd(30_000);
    const all = [...balances.records];
    assert.equal(all.length, 2 * distinct.length + 2);
    const tail = all.filter((r) => r.value.request_id === last.request_id);
    const m = model([...distinct, last]);
    for (const account of ['Alice', 'Bob']) {
      const rec = tail.find((r) => r.value.account === account);
      assert.ok(rec, `a new balance record for ${account}`);
      assert.equal(rec.value.balance.toFixed(2), m.get(account)!.toFixed(2), `${account}: balance after the wipe continues from the model`);
      assert.equal(Number(rec.value.version), Number(before.get(account)!.version) + 1, `${account}: version continues`);
    }
    assertNoDuplicateBalances(all);
    assertBalancesMatchModel(all, [...distinct, last]);
    await fresh.waitForStdout('Bob balance: ', 5_000);
  });

  it('the same task twice: the older instance is fenced and exits, the newer one carries on', async function () {
    this.timeout(150_000);
    const w = await newWallet('twice');
    const procs = await startAll(w);
    const balances = await w.reader(w.topics.balance, balanceSerde);
    const distinct: TransferRequest[] = [];
    const accounts0 = ACCOUNTS.filter((a) => partitionOf(a) === 0);
    const mk = (n: number, tag: string) => {
      const out: TransferRequest[] = [];
      for (let i = 0; i < n; i++) {
        const from = accounts0[i % accounts0.length];
        const to = i % 4 === 3 ? 'Alice' : accounts0[(i + 1) % accounts0.length];
        out.push(transfer(`${w.id}-${tag}-${i}`, from, to, `${1 + (i % 9)}.${String(i % 100).padStart(2, '0')}`));
      }
      return out;
    };
    const first = mk(30, 'a');
    distinct.push(...first);
    await w.producer.send(first.map((value) => ({ value })));
    await balances.waitForCount(2 * distinct.length, 60_000);

    // a second accountant-0, as on another host (own state dir): fences the first through the transactional id
    const older = procs['accountant-0'];
    const otherHost = mkdtempSync(join(tmpdir(), `${w.id}-host2-`));
    cleanups.push(() => rmSync(otherHost, { recursive: true, force: true }));
    const newer = w.spawnTask('accountant-0', { stateDir: otherHost, name: 'accountant-0#2' });
    await waitConsuming(newer, 'accountant-0');

    const second = mk(40, 'b');
    distinct.push(...second);
    for (let i = 0; i < second.length; i += 10) {
      await w.producer.send(second.slice(i, i + 10).map((value) => ({ value })));
      await sleep(100);
    }
    const exit = await older.waitForExit(60_000);
    assert.notEqual(exit.code, 0, `the fenced instance exits non-zero, got ${JSON.stringify(exit)}`);
    assert.match(older.stderr, /fenced/, `the fenced instance says so on stderr:\n${older.tail()}`);

    await balances.waitForCount(2 * distinct.length, 60_000, () => `\n${newer.tail()}`);
    await sleep(3_000);
    await balances.waitForEnd(30_000);
    const all = [...balances.records];
    assert.equal(all.length, 2 * distinct.length, 'wallet.balance: exactly one record per leg');
    assertNoDuplicateBalances(all);
    assertBalancesMatchModel(all, distinct);
    assert.ok(newer.running, `the newer accountant-0 keeps running:\n${newer.tail()}`);
  });

  it('a fenced task in a process of several stops alone: its siblings go on, and the process exits once none is left', async function () {
    this.timeout(150_000);
    const w = await newWallet('fence-one');
    const payments = ['payment-0', 'payment-1'].map((t) => w.spawnTask(t));
    const accountants = spawnWalletTasks({ brokers, walletId: w.id, stateDir: w.stateDir, tasks: ['accountant-0', 'accountant-1'], name: 'accountants' });
    await Promise.all([...payments.map((p, i) => waitConsuming(p, `payment-${i}`)), waitConsuming(accountants, 'accountant-0'), waitConsuming(accountants, 'accountant-1')]);
    const balances = await w.reader(w.topics.balance, balanceSerde);
    const accounts0 = ACCOUNTS.filter((a) => partitionOf(a) === 0);
    const accounts1 = ACCOUNTS.filter((a) => partitionOf(a) === 1);
    assert.ok(accounts0.length >= 2 && accounts1.length >= 2, 'fixture: two accounts on each accountant');
    const within = (accounts: string[], tag: string, n: number) =>
      Array.from({ length: n }, (_, i) => transfer(`${w.id}-${tag}-${i}`, accounts[i % 2], accounts[(i + 1) % 2], '1.00'));

    // accountant-0 starts on another host and fences the one in the shared process
    const otherHost = mkdtempSync(join(tmpdir(), `${w.id}-host2-`));
    cleanups.push(() => rmSync(otherHost, { recursive: true, force: true }));
    const newer = w.spawnTask('accountant-0', { stateDir: otherHost, name: 'accountant-0#2' });
    await waitConsuming(newer, 'accountant-0');
    const first = [...within(accounts0, 'a0', 10), ...within(accounts1, 'a1', 10)];
    await w.producer.send(first.map((value) => ({ value })));
    await accountants.waitForStderr('task accountant-0 stopped', 60_000);
    assert.match(accountants.stderr, /accountant-0 was fenced.*the other tasks go on \(accountant-1\)/, accountants.tail());

    // accountant-1, in the same process, still applies legs
    const second = within(accounts1, 'b1', 10);
    await w.producer.send(second.map((value) => ({ value })));
    await balances.waitForCount(2 * (first.length + second.length), 60_000, () => `\n${accountants.tail()}\n${newer.tail()}`);
    assert.ok(accountants.running, `the process keeps running its other task:\n${accountants.tail()}`);
    assertNoDuplicateBalances(balances.records);

    // once its last task is fenced too, the process exits non-zero, naming the fence
    const newer1 = w.spawnTask('accountant-1', { stateDir: otherHost, name: 'accountant-1#2' });
    await waitConsuming(newer1, 'accountant-1');
    await w.producer.send(within(accounts1, 'c1', 5).map((value) => ({ value })));
    const exit = await accountants.waitForExit(60_000);
    assert.notEqual(exit.code, 0, `exits non-zero once every task was fenced, got ${JSON.stringify(exit)}`);
    assert.match(accountants.stderr, /fenced/);
  });

  it('topics: run refuses missing topics, create is idempotent and refuses a wrong partition count', async function () {
    this.timeout(120_000);
    // run against topics that were never created
    const missingId = `w-missing-${randomBytes(4).toString('hex')}`;
    const stateDir = mkdtempSync(join(tmpdir(), `${missingId}-`));
    cleanups.push(() => rmSync(stateDir, { recursive: true, force: true }));
    const run = spawnWalletTasks({ brokers, walletId: missingId, stateDir, tasks: ['payment-0'], name: 'run without topics' });
    const runExit = await run.waitForExit(60_000);
    assert.notEqual(runExit.code, 0, `run without topics must fail:\n${run.tail()}`);
    assert.match(run.stderr, new RegExp(`${missingId}\\.transfer_request is missing`), `names the missing topic:\n${run.stderr}`);

    // create twice
    const id = `w-topics-${randomBytes(4).toString('hex')}`;
    const firstCreate = await createWalletTopics(brokers, id);
    assert.equal(firstCreate.code, 0, firstCreate.stderr);
    assert.equal(firstCreate.stdout.split('\n').filter((l) => l.startsWith('created ')).length, 7, firstCreate.stdout);
    const again = await createWalletTopics(brokers, id);
    assert.equal(again.code, 0, again.stderr);
    assert.doesNotMatch(again.stdout, /created/, again.stdout);
    for (const t of [`${id}.transfer_request`, `${id}.payment`, `${id}.balance`, `${id}-balance-changelog`]) {
      assert.match(again.stdout, new RegExp(`^exists\\s+${t.replace(/\./g, '\\.')}$`, 'm'), again.stdout);
    }

    // a topic that exists with the wrong partition count
    const badId = `w-badparts-${randomBytes(4).toString('hex')}`;
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic: `${badId}.payment`, numPartitions: 3, replicationFactor: 1 }], waitForLeaders: true });
    } finally {
      await admin.disconnect();
    }
    const bad = await createWalletTopics(brokers, badId);
    assert.notEqual(bad.code, 0, `topics create must refuse a mis-partitioned topic:\n${bad.stdout}\n${bad.stderr}`);
    assert.match(bad.stderr, new RegExp(`${badId}\\.payment has 3 partitions`), bad.stderr);
  });

  it('topics: the balances are a compacted table; an existing balance topic with delete cleanup is refused with the fix', async function () {
    this.timeout(120_000);
    const id = `w-compact-${randomBytes(4).toString('hex')}`;
    const created = await createWalletTopics(brokers, id);
    assert.equal(created.code, 0, created.stderr);
    const admin = kafka.admin();
    await admin.connect();
    try {
      const policy = async (topic: string) =>
        (await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['cleanup.policy'] }] })).resources[0].configEntries[0].configValue;
      assert.equal(await policy(`${id}.balance`), 'compact');
      assert.equal(await policy(`${id}.payment`), 'delete');

      // A wallet deployed before the balances were a table: its balance topic deletes idle accounts after 7 days.
      const oldId = `w-oldbal-${randomBytes(4).toString('hex')}`;
      await admin.createTopics({ topics: [{ topic: `${oldId}.balance`, numPartitions: 2, replicationFactor: 1, configEntries: [{ name: 'cleanup.policy', value: 'delete' }] }], waitForLeaders: true });
      const refused = await createWalletTopics(brokers, oldId);
      assert.notEqual(refused.code, 0, `topics create must refuse it:\n${refused.stdout}\n${refused.stderr}`);
      assert.match(refused.stderr, new RegExp(`${oldId}\\.balance has cleanup\\.policy=delete.*--add-config cleanup\\.policy=compact`), refused.stderr);
    } finally {
      await admin.disconnect();
    }
  });
});
