/**
 * Group-managed tasks on a real broker: `topology run` without --task/--all joins the application's group, and the
 * tasks spread over the instances, move when one dies, take a new instance in, and come back warm with standbys.
 * Every instance is a separate process with its own state dir; outputs are checked from the topics alone
 * (read_committed): every distinct request applied exactly once on each side, balances = the model, sum 0.
 */
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import Decimal from 'decimal.js';
import { Kafka, logLevel } from 'kafkajs';
import { TopicProducer } from '../../src/kafka/topic-producer';
import { buildWallet, walletTopics } from '../../topology/wallet/topology';
import { balanceSerde, paymentSerde } from '../../topology/wallet/serdes';
import { TransferRequest } from '../../topology/wallet/types';
import { BROKER_START_TIMEOUT_MS, useBroker } from '../support/broker';
import { readTopicToEnd, waitForCommittedOffset } from '../support/read-topic';
import { ISOLATED_WALLET, ROOT, TopologyProcess, createWalletTopics, killAllTracked, spawnTopology } from '../support/task-process';
import { prng } from '../support/prng';

const ACCOUNTS = Array.from({ length: 40 }, (_, i) => `acct-${i}`);
const TASKS = ['payment-0', 'payment-1', 'accountant-0', 'accountant-1'];


/** Runs one of Kafka's own tools (scripts/kafka/tool.sh fetches them from Maven Central once). */
function runTool(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('bash', [join(ROOT, 'scripts', 'kafka', 'tool.sh'), ...args], { cwd: ROOT, timeout: 300_000, maxBuffer: 8 * 1024 * 1024 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** The tasks an instance runs as of its latest rebalance log line, or undefined before its first. */
function tasksOf(p: TopologyProcess): { active: string[]; standby: string[] } | undefined {
  const lines = p.logs.filter((l) => typeof l.msg === 'string' && l.msg.startsWith('rebalance: this instance runs'));
  const last = lines[lines.length - 1];
  return last ? { active: last.active as string[], standby: last.standby as string[] } : undefined;
}

describe('group-managed tasks: instances share the tasks through the application\'s consumer group', function () {
  this.timeout(420_000);
  let brokers: string;
  let kafka: Kafka;
  const cleanups: Array<() => Promise<void> | void> = [];

  before(async function () {
    this.timeout(BROKER_START_TIMEOUT_MS);
    brokers = await useBroker();
    kafka = new Kafka({ clientId: 'group-managed-test', brokers: [brokers], logLevel: logLevel.NOTHING });
  });
  afterEach(async () => {
    await killAllTracked();
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function newWallet(prefix: string) {
    const id = `w-${prefix}-${randomBytes(4).toString('hex')}`;
    const created = await createWalletTopics(brokers, id);
    assert.equal(created.code, 0, created.stderr);
    const topics = walletTopics(`${id}.`);
    const topology = buildWallet({ applicationId: id, topics });
    const producer = await TopicProducer.connect<string, TransferRequest>(kafka, topology, topics.transferRequest, { key: (v) => v.request_id });
    cleanups.push(() => producer.close());
    const dirs: string[] = [];
    cleanups.push(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
    const instance = (name: string, extraArgs: string[] = [], stateDir?: string) => {
      const dir = stateDir ?? mkdtempSync(join(tmpdir(), `${id}-${name}-`));
      dirs.push(dir);
      const proc = spawnTopology(['run', '--topology', ISOLATED_WALLET, '--brokers', brokers, '--state-dir', dir, '--quiet', '--instance-id', name, ...extraArgs], { env: { WALLET_ID: id }, name });
      return { proc, dir };
    };
    return { id, topics, producer, instance };
  }

  /**
   * Waits until the given live instances together run every task exactly once as active, each of them with a share
   * (there are more tasks than instances here), every task consuming.
   */
  async function allTasksRunning(instances: TopologyProcess[], timeoutMs = 90_000): Promise<Map<string, string[]>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const owners = new Map(instances.map((p) => [p.name, tasksOf(p)?.active ?? []]));
      const all = [...owners.values()].flat().sort();
      const everyoneHasWork = [...owners.values()].every((tasks) => tasks.length > 0);
      // A task that stayed put across the latest rebalance logged its "consuming" before it: any such line counts.
      const consuming = [...owners].every(([name, tasks]) => tasks.every((t) => instances.find((i) => i.name === name)!.stderr.includes(`task ${t} consuming`)));
      if (all.join(' ') === [...TASKS].sort().join(' ') && everyoneHasWork && consuming) return owners;
      if (Date.now() > deadline) throw new Error(`tasks not all running after ${timeoutMs} ms: ${JSON.stringify([...owners])}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** Sends `n` transfers (10 % of the sends are retries of earlier ones) in chunks; returns the distinct ones. */
  async function send(w: Awaited<ReturnType<typeof newWallet>>, n: number, random: () => number, sent: Map<string, TransferRequest>): Promise<void> {
    const ids = [...sent.keys()];
    for (let done = 0; done < n; ) {
      const chunk: TransferRequest[] = [];
      for (let i = 0; i < 500 && done < n; i++, done++) {
        if (ids.length > 0 && random() < 0.1) {
          chunk.push(sent.get(ids[Math.floor(random() * ids.length)])!);
          continue;
        }
        const from = ACCOUNTS[Math.floor(random() * ACCOUNTS.length)];
        let to = ACCOUNTS[Math.floor(random() * ACCOUNTS.length)];
        if (to === from) to = ACCOUNTS[(ACCOUNTS.indexOf(from) + 1) % ACCOUNTS.length];
        const t: TransferRequest = { request_id: `r-${sent.size}-${randomBytes(3).toString('hex')}`, from, to, amount: new Decimal(1 + Math.floor(random() * 10_000)).div(100) };
        sent.set(t.request_id, t);
        ids.push(t.request_id);
        chunk.push(t);
      }
      await w.producer.send(chunk.map((value) => ({ value })));
    }
  }

  /** Waits for the application group to commit every source partition to its end, then checks the outputs. */
  async function checkExactlyOnce(w: Awaited<ReturnType<typeof newWallet>>, sent: Map<string, TransferRequest>): Promise<void> {
    // The input (no transactions, so no markers) is fully committed by the application's group...
    const admin = kafka.admin();
    await admin.connect();
    try {
      for (const e of await admin.fetchTopicOffsets(w.topics.transferRequest)) await waitForCommittedOffset(brokers, w.id, w.topics.transferRequest, e.partition, Number(e.high), 120_000);
    } finally {
      await admin.disconnect();
    }
    // ...and every leg has made its balance record (wallet.payment ends in commit markers: offsets cannot say it).
    const deadline = Date.now() + 120_000;
    let balances = await readTopicToEnd(brokers, w.topics.balance, balanceSerde, 60_000);
    while (balances.length < 2 * sent.size && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 1_000));
      balances = await readTopicToEnd(brokers, w.topics.balance, balanceSerde, 60_000);
    }
    const legs = await readTopicToEnd(brokers, w.topics.payment, paymentSerde, 60_000);
    const perRequest = new Map<string, string[]>();
    for (const l of legs) perRequest.set(l.value.request_id, [...(perRequest.get(l.value.request_id) ?? []), l.value.direction].sort());
    assert.equal(perRequest.size, sent.size, 'every distinct request made legs');
    for (const [id, dirs] of perRequest) assert.deepEqual(dirs, ['INCOMING', 'OUTGOING'], `request ${id}: legs ${dirs.join(',')}`);
    const model = new Map<string, Decimal>();
    for (const t of sent.values()) {
      model.set(t.from, (model.get(t.from) ?? new Decimal(0)).minus(t.amount));
      model.set(t.to, (model.get(t.to) ?? new Decimal(0)).plus(t.amount));
    }
    const latest = new Map<string, Decimal>();
    for (const b of balances) latest.set(b.key!, b.value.balance);
    let total = new Decimal(0);
    for (const [account, expected] of model) {
      assert.equal((latest.get(account) ?? new Decimal(0)).toFixed(2), expected.toFixed(2), account);
      total = total.plus(latest.get(account) ?? 0);
    }
    assert.ok(total.isZero(), `balances sum to ${total.toFixed(2)}`);
    assert.equal(balances.length, 2 * sent.size, 'one balance record per applied leg');
  }

  it('three instances share the tasks; one SIGKILLed hands its tasks over; a fourth joins and gets a share; exactly once', async () => {
    const seed = Number(process.env.SEED ?? Date.now() % 100_000);
    const random = prng(seed);
    const w = await newWallet('group');
    const [a, b, c] = ['i1', 'i2', 'i3'].map((name) => w.instance(name).proc);
    const owners = await allTasksRunning([a, b, c]);
    for (const tasks of owners.values()) assert.ok(tasks.length >= 1 && tasks.length <= 2, `balanced: ${JSON.stringify([...owners])}`);

    const sent = new Map<string, TransferRequest>();
    await send(w, 8_000, random, sent);
    const victim = [a, b, c].find((p) => (tasksOf(p)?.active.length ?? 0) > 0)!;
    const moved = tasksOf(victim)!.active;
    await victim.kill();
    await send(w, 6_000, random, sent);
    const survivors = [a, b, c].filter((p) => p !== victim);
    const after = await allTasksRunning(survivors);
    for (const t of moved) assert.ok([...after.values()].flat().includes(t), `${t} moved to a survivor`);

    const d = w.instance('i4').proc;
    await send(w, 6_000, random, sent);
    const withNew = await allTasksRunning([...survivors, d]);
    assert.ok((withNew.get('i4') ?? []).length >= 1, `the new instance got a share: ${JSON.stringify([...withNew])}`);
    await checkExactlyOnce(w, sent);
    process.stdout.write(`      [group] seed ${seed}: ${sent.size} distinct transfers; ${victim.name} SIGKILLed (${moved.join(' ')}); i4 got ${withNew.get('i4')!.join(' ')}\n`);
  });

  it("Kafka's own kafka-consumer-groups tool shows the application's group: its members, their partitions, lag 0 once caught up", async () => {
    const random = prng(3);
    const w = await newWallet('tool');
    const instances = ['t1', 't2'].map((name) => w.instance(name).proc);
    await allTasksRunning(instances);
    const sent = new Map<string, TransferRequest>();
    await send(w, 1_000, random, sent);
    await checkExactlyOnce(w, sent);
    const out = await runTool(['consumer-groups', '--bootstrap-server', brokers, '--describe', '--group', w.id]);
    assert.equal(out.code, 0, out.stderr);
    // GROUP TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG CONSUMER-ID HOST CLIENT-ID
    const rows = out.stdout.split('\n').map((l) => l.trim().split(/\s+/)).filter((cols) => cols[0] === w.id);
    const inputRows = rows.filter((cols) => cols[1] === w.topics.transferRequest);
    assert.equal(inputRows.length, 2, `both input partitions listed:\n${out.stdout}`);
    for (const [, , partition, current, end, lag, consumer] of inputRows) {
      assert.equal(current, end, `partition ${partition}: committed = end`);
      assert.equal(lag, '0');
      assert.notEqual(consumer, '-', `partition ${partition} is owned by a member of the group`);
    }
    assert.equal(rows.filter((cols) => cols[1] === w.topics.payment).length, 2, `the internal topic's partitions too:\n${out.stdout}`);
    const members = await runTool(['consumer-groups', '--bootstrap-server', brokers, '--describe', '--group', w.id, '--members']);
    assert.equal(members.code, 0, members.stderr);
    assert.equal(members.stdout.split('\n').filter((l) => l.trim().startsWith(w.id)).length, 2, `two members:\n${members.stdout}`);
  });

  it('a rolling restart of every instance under load loses and duplicates nothing', async () => {
    const random = prng(7);
    const w = await newWallet('rolling');
    const running = new Map(['r1', 'r2'].map((name) => [name, w.instance(name)]));
    await allTasksRunning([...running.values()].map((i) => i.proc));
    const sent = new Map<string, TransferRequest>();
    await send(w, 3_000, random, sent);
    for (const name of ['r1', 'r2']) {
      const old = running.get(name)!;
      old.proc.signal('SIGTERM');
      const exit = await old.proc.waitForExit(60_000);
      assert.equal(exit.code, 0, `${name} stopped cleanly:\n${old.proc.stderr.slice(-2000)}`);
      await send(w, 2_000, random, sent);
      running.set(name, w.instance(name, [], old.dir));
      await allTasksRunning([...running.values()].map((i) => i.proc));
    }
    await send(w, 2_000, random, sent);
    await checkExactlyOnce(w, sent);
  });

  it('with --standbys 1 a task moved after a SIGKILL restores only the tail of its changelogs', async () => {
    const random = prng(11);
    const w = await newWallet('standby');
    const s1 = w.instance('s1', ['--standbys', '1']).proc;
    const s2 = w.instance('s2', ['--standbys', '1']).proc;
    await allTasksRunning([s1, s2]);
    const standbys = () => [...(tasksOf(s1)?.standby ?? []), ...(tasksOf(s2)?.standby ?? [])].sort();
    for (const deadline = Date.now() + 30_000; standbys().join(' ') !== [...TASKS].sort().join(' ') && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 250));
    assert.deepEqual(standbys(), [...TASKS].sort(), `every task has a standby on the other instance: ${JSON.stringify([tasksOf(s1), tasksOf(s2)])}`);
    for (const p of [s1, s2]) for (const t of tasksOf(p)!.standby) assert.ok(!tasksOf(p)!.active.includes(t), `${t} is not standby where it is active`);
    const sent = new Map<string, TransferRequest>();
    await send(w, 6_000, random, sent);
    // Let the standbys catch up with what was written, then kill the owner of accountant-0.
    await new Promise((r) => setTimeout(r, 3_000));
    const owner = tasksOf(s1)!.active.includes('accountant-0') ? s1 : s2;
    const heir = owner === s1 ? s2 : s1;
    await owner.kill();
    await allTasksRunning([heir]);
    const restored = heir.logs.filter((l) => l.task === 'accountant-0' && typeof l.restored === 'number' && /restored/.test(String(l.msg)));
    const replayed = restored[restored.length - 1]?.restored as number;
    assert.ok(replayed !== undefined, 'the heir logged its restore of accountant-0');
    // Without a standby the heir would replay every changelog record of accountant-0 (at least one per leg it applied).
    assert.ok(replayed < 500, `the promoted standby replayed ${replayed} records, only the tail`);
    await send(w, 1_000, random, sent);
    await checkExactlyOnce(w, sent);
  });
});
