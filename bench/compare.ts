/**
 * Side-by-side benchmark on a real local broker: the same preloaded transfers through
 *
 *   ks           the wallet on Kafka Streams 3.9 (bench/kafka-streams, exactly_once_v2, one stream thread)
 *   passthrough  a raw kafkajs transactional consume → produce of the transfer requests (bench/passthrough.ts)
 *   ours-all     this project: `topology run --all` (every task in one process)
 *   ours-2       this project: two processes, the payment tasks in one and the accountant tasks in the other
 *   ours-4       this project: one `topology run --task <id>` process per task
 *
 * Systems run A B A B (every round runs each system once, in order), each run on a fresh single-node broker
 * (scripts/kafka/start.sh with KAFKA_FRESH=1 on port 39092) with its own topics, preloaded with the same input
 * before the system under test starts. Timing runs from spawning the system to the moment the last expected output
 * is visible to a read_committed consumer (2 balances per distinct transfer; for the pass-through, every input
 * record). Outputs are counted by that consumer, which also checks the final balances.
 */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import Decimal from 'decimal.js';
import { Admin, Consumer, Kafka, logLevel, Partitioners } from 'kafkajs';

const ROOT = join(__dirname, '..');

/** The shape of the wallet's transfer request (topology/wallet types), declared here so this file loads on its own. */
export interface TransferRequest {
  request_id: string;
  from: string;
  to: string;
  amount: Decimal;
}

interface ValueSerde<T> {
  serialize(value: T, topic: string): Buffer;
  deserialize(data: Buffer, topic: string): T;
}

/**
 * The project's own wallet serdes (Avro single-object encoding). Looked up at run time among the places the module
 * has lived (topology/ is being reorganised), so that a moved or broken module fails the runs that need it with a
 * clear message instead of this whole file failing to load.
 */
function walletSerdes(): {
  transferRequestSerde: ValueSerde<TransferRequest>;
  balanceSerde: ValueSerde<{ account: string; balance: Decimal; currency: string; version: number; request_id: string }>;
} {
  const tried: string[] = [];
  for (const candidate of ['../topology/wallet/serdes', '../topology/wallet-serdes']) {
    try {
      return require(candidate);
    } catch (err) {
      const notThere = (err as { code?: string }).code === 'MODULE_NOT_FOUND' && String((err as Error).message).includes(candidate.slice(3));
      if (!notThere) throw err;
      tried.push(candidate);
    }
  }
  throw new Error(`the wallet serdes were not found (tried ${tried.join(', ')})`);
}

export type SystemName = 'ks' | 'passthrough' | 'ours-all' | 'ours-2' | 'ours-4';
export const SYSTEMS: SystemName[] = ['ks', 'passthrough', 'ours-all', 'ours-2', 'ours-4'];

export interface CompareOptions {
  /** Distinct transfers. */
  transfers: number;
  /** Accounts the transfers move money between. */
  accounts: number;
  /** How many times each system runs (A B A B ...). Default 1. */
  rounds?: number;
  systems?: SystemName[];
  /** Share of transfers a client re-sends (same request id, same body). Default 0.1. */
  retryRate?: number;
  /** Workload seed. Default 42. */
  seed?: number;
  /** Broker port (the controller takes port + 10001). Default 39092. */
  port?: number;
  /** Per-run limit for the system under test to produce every output. Default max(300, transfers / 50) s. */
  timeoutSeconds?: number;
  /** After each run, count the records of every topic (read_committed) and their end offsets. Default false. */
  countTopics?: boolean;
  /** `topology run --max-batch-size` for ours-* (default: the CLI's). */
  maxBatchSize?: number;
  /** Progress lines (default: stderr). */
  log?: (line: string) => void;
}

export interface RunResult {
  system: SystemName;
  round: number;
  transfers: number;
  inputRecords: number;
  expectedOutputs: number;
  seconds?: number;
  transfersPerSecond?: number;
  steadyTransfersPerSecond?: number;
  startupSeconds?: number;
  /** Kafka Streams / pass-through: when the process said RUNNING. */
  runningSeconds?: number;
  peakRssMiB?: number;
  processes?: number;
  /** CPU (user + system) the system under test used from its start to its last output; the broker's in that window. */
  cpuSeconds?: number;
  brokerCpuSeconds?: number;
  /** The machine's 1-minute load average when the run started and ended (other work on the box shows here). */
  loadAverageAtStart1m?: number;
  loadAverage1m?: number;
  /** ours-*: the code that ran (the working tree may change between runs). */
  code?: { head: string; tree: string };
  /** Outputs seen once the system was stopped and the topic went quiet (more than expected = duplicates). */
  outputsAfterStop?: number;
  /** Final balance and version of every account match the workload (wallet systems only). */
  balancesCorrect?: boolean;
  balanceMismatches?: number;
  /** Every account's balances are in the partition Kafka's default partitioner (murmur2 of the key) picks. */
  balancesMurmur2Partitioned?: boolean;
  topics?: Record<string, { records: number; endOffsets: number }>;
  error?: string;
}

/** murmur2 as the Java client computes it (seed 0x9747b28c), for checking where outputs landed. */
export function javaMurmur2(key: Buffer): number {
  const m = 0x5bd1e995;
  const n = key.length;
  let h = (0x9747b28c ^ n) | 0;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    let k = key.readInt32LE(i);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m) ^ k;
  }
  const rest = n - i; // the last 1-3 bytes, highest first
  if (rest >= 3) h ^= key[i + 2] << 16;
  if (rest >= 2) h ^= key[i + 1] << 8;
  if (rest >= 1) h = Math.imul(h ^ key[i], m);
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

/** Kafka's default partition for a keyed record. */
function murmur2Partition(key: Buffer, partitions: number): number {
  return (javaMurmur2(key) & 0x7fffffff) % partitions;
}

// ---------------------------------------------------------------------------------------------------- workload

/** mulberry32: a tiny seeded PRNG, so every run and every system sees the same input. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Workload {
  /** In produce order: every transfer once, plus its client retries a little later. */
  records: TransferRequest[];
  distinct: number;
  retries: number;
  /** Expected final state per account. */
  balances: Map<string, { balance: Decimal; version: number }>;
}

export function walletWorkload(transfers: number, accounts: number, retryRate = 0.1, seed = 42): Workload {
  if (accounts < 2) throw new Error('need at least 2 accounts');
  const rnd = prng(seed);
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(rnd() * 16).toString(16)).join('');
  const account = (i: number) => `acct-${String(i).padStart(6, '0')}`;
  const records: TransferRequest[] = [];
  const pending: Array<{ due: number; t: TransferRequest }> = [];
  const balances = new Map<string, { balance: Decimal; version: number }>();
  const apply = (acct: string, delta: Decimal) => {
    const b = balances.get(acct) ?? { balance: new Decimal(0), version: 0 };
    balances.set(acct, { balance: b.balance.plus(delta), version: b.version + 1 });
  };
  let retries = 0;
  for (let i = 0; i < transfers; i++) {
    while (pending.length && pending[0].due <= i) records.push(pending.shift()!.t);
    const from = Math.floor(rnd() * accounts);
    let to = Math.floor(rnd() * (accounts - 1));
    if (to >= from) to++;
    const t: TransferRequest = {
      request_id: `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`,
      from: account(from),
      to: account(to),
      amount: new Decimal(Math.floor(rnd() * 10_000) + 1).div(100),
    };
    records.push(t);
    apply(t.from, t.amount.neg());
    apply(t.to, t.amount);
    if (rnd() < retryRate) {
      // The client did not get its answer in time and re-sends the same request a little later.
      pending.push({ due: i + 1 + Math.floor(rnd() * 100), t: { ...t } });
      pending.sort((a, b) => a.due - b.due);
      retries++;
    }
  }
  records.push(...pending.map((p) => p.t));
  return { records, distinct: transfers, retries, balances };
}

// ---------------------------------------------------------------------------------------------------- broker

interface Broker {
  brokers: string;
  stop(): void;
}

function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host: '127.0.0.1', port });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
    s.setTimeout(2000, () => (s.destroy(), resolve(false)));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function brokerEnv(port: number): NodeJS.ProcessEnv {
  return {
    ...process.env,
    KAFKA_PORT: String(port),
    KAFKA_DATA_DIR: '.kafka/bench-data',
    KAFKA_PID_FILE: '.kafka/bench-kafka.pid',
  };
}

function pidFileBroker(): number | undefined {
  const file = join(ROOT, '.kafka', 'bench-kafka.pid');
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').trim());
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

/** A fresh broker: wipes .kafka/bench-data. Waits (never kills) while someone else holds the ports. */
async function startBroker(port: number, log: (l: string) => void): Promise<Broker> {
  const env = brokerEnv(port);
  // Our own previous broker (pid file) is stopped by start.sh itself (KAFKA_FRESH=1); anything else is waited out.
  for (let waited = 0; pidFileBroker() === undefined && ((await portInUse(port)) || (await portInUse(port + 10001))); waited += 5) {
    if (waited >= 600) throw new Error(`port ${port} or ${port + 10001} stayed in use by a process this benchmark did not start`);
    if (waited % 60 === 0) log(`port ${port}/${port + 10001} in use by another process; waiting`);
    await sleep(5000);
  }
  const r = spawnSync('bash', [join(ROOT, 'scripts/kafka/start.sh')], { cwd: ROOT, env: { ...env, KAFKA_FRESH: '1' }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`broker did not start:\n${r.stdout}\n${r.stderr}`);
  log(r.stdout.trim());
  let stopped = false;
  return {
    brokers: `127.0.0.1:${port}`,
    stop() {
      if (stopped) return;
      stopped = true;
      const s = spawnSync('bash', [join(ROOT, 'scripts/kafka/stop.sh')], { cwd: ROOT, env, encoding: 'utf8' });
      log(s.stdout.trim() || s.stderr.trim());
    },
  };
}

// ---------------------------------------------------------------------------------------------------- kafka helpers

function client(brokers: string, clientId: string): Kafka {
  return new Kafka({ clientId, brokers: [brokers], logLevel: logLevel.NOTHING, retry: { initialRetryTime: 100, retries: 10 } });
}

async function createPlainTopics(admin: Admin, names: string[], partitions = 2) {
  await admin.createTopics({ waitForLeaders: true, topics: names.map((topic) => ({ topic, numPartitions: partitions, replicationFactor: 1 })) });
}

async function preload(kafka: Kafka, topic: string, records: TransferRequest[]) {
  const { transferRequestSerde } = walletSerdes();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    for (let i = 0; i < records.length; i += 2000) {
      await producer.send({
        topic,
        acks: -1,
        messages: records.slice(i, i + 2000).map((t) => ({ key: Buffer.from(t.request_id, 'utf8'), value: transferRequestSerde.serialize(t, topic) })),
      });
    }
  } finally {
    await producer.disconnect();
  }
}

async function endOffsets(admin: Admin, topic: string): Promise<number> {
  return (await admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.high), 0);
}

/** Counts the records of a topic as a read_committed consumer sees them, with when each milestone was passed. */
class OutputCounter {
  count = 0;
  firstAt?: number;
  private readonly marks = new Map<number, number>();
  private readonly latest = new Map<string, { partition: number; value: Buffer }>();
  private consumer!: Consumer;
  private lastChange = Date.now();

  constructor(
    private readonly kafka: Kafka,
    private readonly topic: string,
    private readonly expected: number,
    private readonly keepLatest: boolean,
  ) {}

  async start(): Promise<void> {
    this.consumer = this.kafka.consumer({ groupId: `${this.topic}-bench-counter`, readUncommitted: false, maxWaitTimeInMs: 100, maxBytesPerPartition: 8 * 1024 * 1024 });
    let joined!: () => void;
    const ready = new Promise<void>((r) => (joined = r));
    this.consumer.on(this.consumer.events.GROUP_JOIN, () => joined());
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [this.topic], fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const now = Date.now();
        if (batch.messages.length === 0) return;
        if (this.count === 0) this.firstAt = now;
        this.count += batch.messages.length;
        this.lastChange = now;
        if (this.keepLatest) for (const m of batch.messages) if (m.key && m.value) this.latest.set(m.key.toString('utf8'), { partition: batch.partition, value: m.value });
        for (const pct of [10, 90, 100]) if (!this.marks.has(pct) && this.count >= (this.expected * pct) / 100) this.marks.set(pct, now);
      },
    });
    await ready;
  }

  at(pct: 10 | 90 | 100): number | undefined {
    return this.marks.get(pct);
  }

  async waitFor(pct: 100, timeoutMs: number, alive: () => string | undefined): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.marks.has(pct)) {
      const dead = alive();
      if (dead) throw new Error(dead);
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000}s with ${this.count}/${this.expected} outputs`);
      await sleep(20);
    }
  }

  /** Waits until nothing new arrived for `quietMs`. */
  async settle(quietMs: number, maxMs = 30_000): Promise<number> {
    const start = Date.now();
    while (Date.now() - this.lastChange < quietMs && Date.now() - start < maxMs) await sleep(100);
    return this.count;
  }

  /** The last record of each key, with the partition it was in. */
  latestValues(): Map<string, { partition: number; value: Buffer }> {
    return this.latest;
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect().catch(() => undefined);
  }
}

/** Records per topic (read_committed) and end offsets (records + transaction markers, before compaction). */
async function countAllTopics(kafka: Kafka, admin: Admin, prefix: string, appId: string): Promise<Record<string, { records: number; endOffsets: number }>> {
  const topics = (await admin.listTopics()).filter((t) => (t.startsWith(prefix) || t.startsWith(`${appId}-`))).sort();
  const result: Record<string, { records: number; endOffsets: number }> = {};
  for (const t of topics) result[t] = { records: 0, endOffsets: await endOffsets(admin, t) };
  const consumer = kafka.consumer({ groupId: `${appId}-bench-topic-count`, readUncommitted: false, maxWaitTimeInMs: 100 });
  let last = Date.now();
  await consumer.connect();
  await consumer.subscribe({ topics, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      result[batch.topic].records += batch.messages.length;
      if (batch.messages.length) last = Date.now();
    },
  });
  const start = Date.now();
  while (Date.now() - last < 3000 && Date.now() - start < 60_000) await sleep(100);
  await consumer.disconnect();
  return result;
}

// ---------------------------------------------------------------------------------------------------- processes

interface Proc {
  child: ChildProcess;
  name: string;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

function launch(name: string, cmd: string, args: string[], env: NodeJS.ProcessEnv, keepStdout: boolean): Proc {
  const child = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', keepStdout ? 'pipe' : 'ignore', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d) => (out = (out + d).slice(-65536)));
  child.stderr!.on('data', (d) => (err = (err + d).slice(-65536)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? -1 : null))));
  return { child, name, stdout: () => out, stderr: () => err, exited };
}

async function terminate(p: Proc, graceMs = 60_000): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.child.kill('SIGTERM');
  const done = await Promise.race([p.exited.then(() => true), sleep(graceMs).then(() => false)]);
  if (!done) {
    p.child.kill('SIGKILL');
    await p.exited;
  }
}

/** A process and its descendants. */
function processTree(pid: number): number[] {
  const out: number[] = [];
  const visit = (p: number) => {
    out.push(p);
    try {
      for (const tid of readdirSync(`/proc/${p}/task`)) {
        const kids = readFileSync(`/proc/${p}/task/${tid}/children`, 'utf8').trim();
        if (kids) for (const k of kids.split(/\s+/)) visit(Number(k));
      }
    } catch {
      // exited meanwhile
    }
  };
  visit(pid);
  return out;
}

function rssKiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

const CLOCK_TICKS = 100; // getconf CLK_TCK on Linux

/** User + system CPU seconds a process has used so far (all its threads), or undefined once it is gone. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from 3 (state) on
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS; // utime (14), stime (15)
  } catch {
    return undefined;
  }
}

/** Peak total RSS of the processes under test (and their children), and the CPU time they used, sampled from /proc. */
class ProcessSampler {
  peakKiB = 0;
  private readonly cpu = new Map<number, number>();
  private timer?: NodeJS.Timeout;
  constructor(private readonly pids: () => number[]) {}
  private sample = () => {
    let rss = 0;
    for (const root of this.pids()) {
      for (const pid of processTree(root)) {
        rss += rssKiB(pid);
        const c = cpuSeconds(pid);
        if (c !== undefined) this.cpu.set(pid, c);
      }
    }
    if (rss > this.peakKiB) this.peakKiB = rss;
  };
  start(everyMs = 200) {
    this.sample();
    this.timer = setInterval(this.sample, everyMs);
  }
  stop() {
    clearInterval(this.timer);
    this.sample();
  }
  cpuSeconds(): number {
    return [...this.cpu.values()].reduce((a, b) => a + b, 0);
  }
}

/** What code `ours` ran: HEAD plus a hash of the working tree's src/ and topology/ (they change while we measure). */
function codeVersion(): { head: string; tree: string } {
  const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim();
  const hash = createHash('sha1');
  const walk = (dir: string) => {
    for (const e of readdirSync(join(ROOT, dir), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const rel = join(dir, e.name);
      if (e.isDirectory()) walk(rel);
      else if (e.isFile()) hash.update(rel).update(readFileSync(join(ROOT, rel)));
    }
  };
  for (const d of ['src', 'topology']) if (existsSync(join(ROOT, d))) walk(d);
  return { head, tree: hash.digest('hex').slice(0, 12) };
}

// ---------------------------------------------------------------------------------------------------- one run

/** The wallet under the run's application id and topic prefix (WALLET_ID), as bench/kafka.ts and the tests run it. */
const OURS_TOPOLOGY = 'test/fixtures/isolated-wallet.ts';

const liveProcs = new Set<Proc>();
let liveBroker: Broker | undefined;

/** Stops whatever a run left behind (for signal handlers of the CLI). */
export async function cleanupCompare(): Promise<void> {
  await Promise.all([...liveProcs].map((p) => terminate(p, 20_000)));
  liveBroker?.stop();
}

async function runOnce(system: SystemName, round: number, work: Workload, opts: Required<Pick<CompareOptions, 'port' | 'timeoutSeconds' | 'countTopics'>> & CompareOptions, log: (l: string) => void): Promise<RunResult> {
  const id = `cmp-${system}-r${round}-${randomBytes(3).toString('hex')}`;
  const prefix = `${id}.`;
  const inputTopic = `${prefix}transfer_request`;
  const isWallet = system !== 'passthrough';
  const outputTopic = isWallet ? `${prefix}balance` : `${prefix}passthrough`;
  const expected = isWallet ? 2 * work.distinct : work.records.length;
  const result: RunResult = { system, round, transfers: work.distinct, inputRecords: work.records.length, expectedOutputs: expected };
  const stateDir = mkdtempSync(join(tmpdir(), `${id}-`));
  const procs: Proc[] = [];
  let counter: OutputCounter | undefined;
  const broker = await startBroker(opts.port, log);
  liveBroker = broker;
  const kafka = client(broker.brokers, `bench-${id}`);
  const admin = kafka.admin();
  try {
    await admin.connect();
    // Topics: the wallet's three with 2 partitions (Kafka Streams creates its changelogs itself; ours needs all of its
    // topics, changelogs and dead letters included, to exist before it starts).
    if (system === 'ks') await createPlainTopics(admin, [inputTopic, `${prefix}payment`, outputTopic]);
    else if (system === 'passthrough') await createPlainTopics(admin, [inputTopic, outputTopic]);
    else {
      // Through the project's CLI, as an operator would: every topic the topology needs, changelogs included.
      const r = spawnSync(process.execPath, ['bin/topology.js', 'topics', 'create', '--topology', OURS_TOPOLOGY], {
        cwd: ROOT,
        env: { ...process.env, WALLET_ID: id, KAFKA_BROKERS: broker.brokers, LOG_LEVEL: 'warn' },
        encoding: 'utf8',
        timeout: 120_000,
      });
      if (r.status !== 0) throw new Error(`topology topics create failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`.slice(0, 4000));
    }
    const t0preload = Date.now();
    await preload(kafka, inputTopic, work.records);
    const inputs = await endOffsets(admin, inputTopic);
    if (inputs !== work.records.length) throw new Error(`preloaded ${inputs} records, expected ${work.records.length}`);
    log(`${id}: preloaded ${inputs} transfer requests in ${((Date.now() - t0preload) / 1000).toFixed(1)}s`);

    counter = new OutputCounter(kafka, outputTopic, expected, isWallet);
    await counter.start();

    let running: number | undefined;
    const brokerPid = pidFileBroker();
    const brokerCpuStart = brokerPid === undefined ? undefined : cpuSeconds(brokerPid);
    result.loadAverageAtStart1m = +loadavg()[0].toFixed(2);
    if (system.startsWith('ours')) result.code = codeVersion();
    const t0 = Date.now();
    if (system === 'ks') {
      procs.push(launch('ks', 'bash', [join(ROOT, 'bench/kafka-streams/run.sh'), broker.brokers, id, prefix, stateDir], {}, true));
    } else if (system === 'passthrough') {
      const args = ['bin/run-ts.js', 'bench/passthrough.ts', '--brokers', broker.brokers, '--input', inputTopic, '--output', outputTopic, '--group', `${id}-passthrough`];
      procs.push(launch('passthrough', process.execPath, args, {}, true));
    } else {
      const env = { WALLET_ID: id, KAFKA_BROKERS: broker.brokers, LOG_LEVEL: 'warn' };
      // --quiet: no human line per balance on stdout (the Kafka Streams app prints none either).
      const base = ['bin/topology.js', 'run', '--topology', OURS_TOPOLOGY, '--state-dir', stateDir, '--quiet'];
      if (opts.maxBatchSize) base.push('--max-batch-size', String(opts.maxBatchSize));
      const taskSets =
        system === 'ours-all' ? [['--all']]
        : system === 'ours-2' ? [['--task', 'payment-0', '--task', 'payment-1'], ['--task', 'accountant-0', '--task', 'accountant-1']]
        : ['payment-0', 'payment-1', 'accountant-0', 'accountant-1'].map((t) => ['--task', t]);
      for (const t of taskSets) procs.push(launch(`${system}${t[1] ? ' ' + t[1] : ''}`, process.execPath, [...base, ...t], env, false));
    }
    procs.forEach((p) => liveProcs.add(p));
    const sampler = new ProcessSampler(() => procs.filter((p) => p.child.exitCode === null && p.child.pid).map((p) => p.child.pid!));
    sampler.start();
    const runningWatch = setInterval(() => {
      if (running === undefined && procs.some((p) => /^RUNNING$/m.test(p.stdout()))) running = Date.now();
    }, 20);
    try {
      await counter.waitFor(100, opts.timeoutSeconds * 1000, () => {
        const dead = procs.find((p) => p.child.exitCode !== null || p.child.signalCode !== null);
        return dead ? `${dead.name} exited (${dead.child.exitCode ?? dead.child.signalCode}) with ${counter!.count}/${expected} outputs:\n${dead.stderr().slice(-3000)}` : undefined;
      });
    } finally {
      clearInterval(runningWatch);
      sampler.stop();
    }
    const t100 = counter.at(100)!;
    const t10 = counter.at(10)!;
    const t90 = counter.at(90)!;
    result.seconds = +((t100 - t0) / 1000).toFixed(3);
    result.transfersPerSecond = Math.round(work.distinct / result.seconds);
    result.steadyTransfersPerSecond = t90 > t10 ? Math.round((0.8 * work.distinct) / ((t90 - t10) / 1000)) : undefined;
    result.startupSeconds = +((counter.firstAt! - t0) / 1000).toFixed(3);
    if (running !== undefined) result.runningSeconds = +((running - t0) / 1000).toFixed(3);
    result.peakRssMiB = +(sampler.peakKiB / 1024).toFixed(1);
    result.cpuSeconds = +sampler.cpuSeconds().toFixed(2);
    const brokerCpuEnd = brokerPid === undefined ? undefined : cpuSeconds(brokerPid);
    if (brokerCpuStart !== undefined && brokerCpuEnd !== undefined) result.brokerCpuSeconds = +(brokerCpuEnd - brokerCpuStart).toFixed(2);
    result.loadAverage1m = +loadavg()[0].toFixed(2);
    result.processes = procs.length;
    log(`${id}: ${expected} outputs after ${result.seconds}s; stopping`);

    await Promise.all(procs.map((p) => terminate(p)));
    const bad = procs.filter((p) => p.child.exitCode !== 0);
    if (bad.length) log(`${id}: ${bad.map((p) => `${p.name} exited ${p.child.exitCode ?? p.child.signalCode}`).join(', ')}; stderr tail: ${bad[0].stderr().slice(-1500)}`);
    result.outputsAfterStop = await counter.settle(1500);
    if (isWallet) {
      const { balanceSerde } = walletSerdes();
      let mismatches = 0;
      const latest = counter.latestValues();
      let misplaced = 0;
      for (const [acct, want] of work.balances) {
        const last = latest.get(acct);
        const got = last ? balanceSerde.deserialize(last.value, outputTopic) : undefined;
        if (!got || !got.balance.eq(want.balance) || Number(got.version) !== want.version || got.currency !== 'USD') mismatches++;
        if (last && last.partition !== murmur2Partition(Buffer.from(acct, 'utf8'), 2)) misplaced++;
      }
      if (latest.size !== work.balances.size) mismatches += Math.abs(latest.size - work.balances.size);
      result.balancesCorrect = mismatches === 0;
      result.balanceMismatches = mismatches;
      result.balancesMurmur2Partitioned = misplaced === 0;
    }
    await counter.stop();
    counter = undefined;
    if (opts.countTopics) result.topics = await countAllTopics(kafka, admin, prefix, id);
  } catch (err) {
    result.error = err instanceof Error ? err.message : String(err);
    log(`${id}: FAILED: ${result.error}`);
  } finally {
    await Promise.all(procs.map((p) => terminate(p, 20_000)));
    procs.forEach((p) => liveProcs.delete(p));
    await counter?.stop();
    await admin.disconnect().catch(() => undefined);
    broker.stop();
    liveBroker = undefined;
    rmSync(stateDir, { recursive: true, force: true });
  }
  return result;
}

// ---------------------------------------------------------------------------------------------------- all runs

const median = (xs: number[]) => {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const round3 = (x: number | undefined) => (x === undefined ? undefined : +x.toFixed(3));

export async function compareOnBroker(options: CompareOptions) {
  const log = options.log ?? ((l: string) => process.stderr.write(`compare: ${l}\n`));
  const opts = {
    ...options,
    rounds: options.rounds ?? 1,
    systems: options.systems ?? SYSTEMS,
    retryRate: options.retryRate ?? 0.1,
    seed: options.seed ?? 42,
    port: options.port ?? 39092,
    timeoutSeconds: options.timeoutSeconds ?? Math.max(300, Math.ceil(options.transfers / 50)),
    countTopics: options.countTopics ?? false,
  };
  for (const s of opts.systems) if (!SYSTEMS.includes(s)) throw new Error(`unknown system ${s} (known: ${SYSTEMS.join(', ')})`);
  const work = walletWorkload(opts.transfers, opts.accounts, opts.retryRate, opts.seed);
  log(`workload: ${work.distinct} transfers + ${work.retries} retries = ${work.records.length} records among ${work.balances.size} accounts`);
  if (opts.systems.includes('ks')) {
    log('building the Kafka Streams wallet (cached after the first time)');
    const b = spawnSync('bash', [join(ROOT, 'bench/kafka-streams/run.sh'), '--build'], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
    if (b.status !== 0) throw new Error('bench/kafka-streams/run.sh --build failed');
  }

  const runs: RunResult[] = [];
  for (let round = 1; round <= opts.rounds; round++) {
    for (const system of opts.systems) {
      log(`round ${round}/${opts.rounds}: ${system}`);
      const r = await runOnce(system, round, work, opts, log);
      runs.push(r);
      log(JSON.stringify(r));
    }
  }

  const systems: Record<string, unknown> = {};
  const medians: Record<string, { transfersPerSecond?: number; steadyTransfersPerSecond?: number; seconds?: number; startupSeconds?: number; peakRssMiB?: number; cpuSeconds?: number }> = {};
  for (const s of opts.systems) {
    const ok = runs.filter((r) => r.system === s && !r.error);
    const pick = (f: (r: RunResult) => number | undefined) => round3(median(ok.map(f).filter((x): x is number => x !== undefined)));
    medians[s] = {
      seconds: pick((r) => r.seconds),
      transfersPerSecond: pick((r) => r.transfersPerSecond),
      steadyTransfersPerSecond: pick((r) => r.steadyTransfersPerSecond),
      startupSeconds: pick((r) => r.startupSeconds),
      peakRssMiB: pick((r) => r.peakRssMiB),
      cpuSeconds: pick((r) => r.cpuSeconds),
    };
    systems[s] = {
      rounds: runs
        .filter((r) => r.system === s)
        .map((r) =>
          r.error
            ? { round: r.round, error: r.error }
            : { round: r.round, transfers: r.transfers, seconds: r.seconds, transfersPerSecond: r.transfersPerSecond, steadyTransfersPerSecond: r.steadyTransfersPerSecond, startupSeconds: r.startupSeconds, runningSeconds: r.runningSeconds, peakRssMiB: r.peakRssMiB, processes: r.processes, cpuSeconds: r.cpuSeconds, cpuMicrosPerTransfer: r.cpuSeconds === undefined ? undefined : Math.round((r.cpuSeconds * 1e6) / r.transfers), brokerCpuSeconds: r.brokerCpuSeconds, loadAverage1m: [r.loadAverageAtStart1m, r.loadAverage1m], ...(r.code ? { code: r.code } : {}), outputsAfterStop: r.outputsAfterStop, balancesCorrect: r.balancesCorrect, balancesMurmur2Partitioned: r.balancesMurmur2Partitioned, ...(r.topics ? { topics: r.topics } : {}) },
        ),
      median: medians[s],
    };
  }
  const ratio = (a: number | undefined, b: number | undefined) => (a !== undefined && b ? +(a / b).toFixed(3) : undefined);
  const ratios: Record<string, { transfersPerSecond?: number; steadyTransfersPerSecond?: number; startupSeconds?: number; peakRssMiB?: number; cpuSeconds?: number }> = {};
  for (const ours of ['ours-all', 'ours-2', 'ours-4'] as const) {
    for (const base of ['ks', 'passthrough'] as const) {
      if (!medians[ours] || !medians[base]) continue;
      ratios[`${ours}/${base}`] = {
        transfersPerSecond: ratio(medians[ours].transfersPerSecond, medians[base].transfersPerSecond),
        steadyTransfersPerSecond: ratio(medians[ours].steadyTransfersPerSecond, medians[base].steadyTransfersPerSecond),
        startupSeconds: ratio(medians[ours].startupSeconds, medians[base].startupSeconds),
        peakRssMiB: ratio(medians[ours].peakRssMiB, medians[base].peakRssMiB),
        cpuSeconds: ratio(medians[ours].cpuSeconds, medians[base].cpuSeconds),
      };
    }
  }
  return {
    config: {
      transfers: work.distinct,
      retries: work.retries,
      inputRecords: work.records.length,
      accounts: opts.accounts,
      rounds: opts.rounds,
      order: 'A B A B: every round runs each system once, in the order given, each on a fresh broker',
      systems: opts.systems,
      seed: opts.seed,
      brokers: `127.0.0.1:${opts.port}`,
      cpus: (await import('node:os')).cpus().length,
      node: process.version,
      ksJavaOpts: process.env.KS_JAVA_OPTS ?? '-Xms128m -Xmx512m -XX:+UseG1GC (bench/kafka-streams/run.sh default)',
      oursMaxBatchSize: opts.maxBatchSize ?? 'the CLI default',
      timing: 'seconds = spawn of the system -> last expected output visible read_committed; startupSeconds = spawn -> first output; steady = 80% of the transfers / time between 10% and 90% of the outputs; cpuSeconds = user+system CPU of the system under test until its last output',
    },
    systems,
    ratios,
  };
}
