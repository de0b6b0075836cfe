/**
 * One chaos run against a broker: the wallet's topics under a fresh application id, its four tasks as separate
 * processes, the planned transfer requests sent at a bounded rate while the planned faults strike (task SIGKILLs,
 * some on wiped state; broker SIGKILLs and restarts on its data; SIGSTOP stalls past the transaction timeout), then
 * a wait for the outputs to complete and the independent checker. Returns a summary; `ok` only if the checker
 * found nothing lost, nothing duplicated, every balance right, the sum 0 and no dead letters.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdirSync, rmSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { BrokerControl } from './broker-control';
import { CheckResult, checkWallet } from './checker';
import { waitForOutputs } from './completion';
import { Fault, planFaults } from './fault-plan';
import { ChaosOptions } from './options';
import { Prng } from './prng';
import { ISOLATED_WALLET, TaskSupervisor, taskEnvironment } from './task-supervisor';
import { planSends, produce, ProduceStats } from './workload';

const ROOT = resolve(__dirname, '..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface ChaosSummary {
  ok: boolean;
  seed: number;
  walletId: string;
  /** Transfer requests sent and acknowledged, retries included (and logged in <runDir>/input.jsonl). */
  transfers: number;
  /** Distinct request ids among them. */
  distinct: number;
  retries: number;
  accounts: number;
  kills: number;
  wiped: number;
  brokerKills: number;
  stalls: number;
  stallSeconds: number;
  /** Task processes that exited by themselves (and were restarted by the harness), with their last log line. */
  unexpectedTaskExits: number;
  taskExits: Array<{ task: string; code: number | null; signal: string | null; lastLine: string }>;
  /** Batches of requests sent again because a send failed (outcome unknown). */
  resentBatches: number;
  lost: number;
  duplicated: number;
  wrongBalances: number;
  balanceSum: string;
  deadLetters: number;
  durationSeconds: number;
  productionSeconds: number;
  settleSeconds: number;
  checkSeconds: number;
  detail?: CheckResult['detail'];
  /** Harness errors first, then the checker's findings. */
  problems: string[];
  runDir: string;
}

export interface RunChaosContext {
  broker: BrokerControl;
  /** Where logs, state dirs and the input log go (default .chaos/runs/<wallet id>). */
  runDir?: string;
  /** Progress lines (default: stderr). */
  say?: (line: string) => void;
}

export async function runChaos(o: ChaosOptions, ctx: RunChaosContext): Promise<ChaosSummary> {
  if (o.brokerKills > 0 && !(ctx.broker.kill && ctx.broker.restart)) throw new Error(`${o.brokerKills} broker kills asked for, but the broker at ${ctx.broker.brokers} cannot be killed and restarted by the harness`);
  const t0 = Date.now();
  const walletId = `chaos-${o.seed}-${randomBytes(3).toString('hex')}`;
  const runDir = ctx.runDir ?? join(ROOT, '.chaos', 'runs', walletId);
  mkdirSync(runDir, { recursive: true });
  const eventsFile = join(runDir, 'events.log');
  const say = (line: string) => {
    const stamped = `+${((Date.now() - t0) / 1000).toFixed(1)}s ${line}`;
    appendFileSync(eventsFile, `${stamped}\n`);
    (ctx.say ?? ((l: string) => process.stderr.write(`chaos: ${l}\n`)))(stamped);
  };
  const rand = new Prng(o.seed);
  const plan = planSends(o, rand);
  const windowMs = (o.transfers / o.rate) * 1000;
  const faults = planFaults(o, windowMs, rand);
  say(`seed ${o.seed}: wallet ${walletId} on ${ctx.broker.brokers}, ${o.transfers} transfers among ${o.accounts} accounts at ${o.rate}/s, ${faults.length} faults; run dir ${runDir}`);

  const problems: string[] = [];
  const counts = { kills: 0, wiped: 0, brokerKills: 0, stalls: 0 };
  const tasks = new TaskSupervisor({ brokers: ctx.broker.brokers, walletId, runDir, say, transactionTimeoutMs: o.transactionTimeoutMs });
  let produced: ProduceStats | undefined;
  let check: CheckResult | undefined;
  const times = { production: 0, settle: 0, check: 0 };
  let faultsDone: Promise<string[]> | undefined;
  try {
    await createTopics(ctx.broker.brokers, walletId);
    tasks.startAll();
    await tasks.waitAllConsuming(180_000);
    say('all four tasks consume');

    const start = Date.now();
    faultsDone = strikeFaults(faults, { start, tasks, broker: ctx.broker, rand, say, counts });
    produced = await produce({ brokers: ctx.broker.brokers, walletId, rate: o.rate, inputLogFile: join(runDir, 'input.jsonl'), say }, plan);
    times.production = (Date.now() - start) / 1000;
    say(`sent ${produced.acknowledged.length} transfer requests in ${times.production.toFixed(1)} s (${produced.resentBatches} batches resent after failed sends)`);
    problems.push(...(await faultsDone));
    faultsDone = undefined;

    const settleStart = Date.now();
    try {
      await waitForOutputs({ brokers: ctx.broker.brokers, walletId, timeoutMs: o.settleTimeoutMs, say });
    } catch (err) {
      problems.push(String(err instanceof Error ? err.message : err));
      say(`${problems[problems.length - 1]}; checking what is there`);
    }
    times.settle = (Date.now() - settleStart) / 1000;
  } catch (err) {
    problems.push(`harness: ${err instanceof Error ? err.message : String(err)}`);
    say(problems[problems.length - 1]);
  } finally {
    // a fault still under way (a stall, a broker outage) ends before the tasks are stopped and the outputs read
    if (faultsDone) problems.push(...(await faultsDone));
    const exits = await tasks.stopAll();
    say(`tasks stopped: ${exits.map((e) => `${e.task} ${e.signal ?? `exit ${e.code}`}`).join(', ')}`);
  }

  if (produced) {
    const checkStart = Date.now();
    try {
      check = await checkWallet({ brokers: ctx.broker.brokers, walletId, sent: produced.acknowledged });
    } catch (err) {
      problems.push(`checker: ${err instanceof Error ? err.message : String(err)}`);
    }
    times.check = (Date.now() - checkStart) / 1000;
  }
  const summary: ChaosSummary = {
    ok: problems.length === 0 && check?.ok === true,
    seed: o.seed,
    walletId,
    transfers: produced?.acknowledged.length ?? 0,
    distinct: check?.distinct ?? 0,
    retries: plan.filter((s) => s.retry).length,
    accounts: check?.accounts ?? 0,
    ...counts,
    stallSeconds: o.stallMs / 1000,
    unexpectedTaskExits: tasks.stats.unexpectedExits.length,
    taskExits: tasks.stats.unexpectedExits.slice(0, 20),
    resentBatches: produced?.resentBatches ?? 0,
    lost: check?.lost ?? -1,
    duplicated: check?.duplicated ?? -1,
    wrongBalances: check?.wrongBalances ?? -1,
    balanceSum: check?.balanceSum ?? 'unknown',
    deadLetters: check?.deadLetters ?? -1,
    durationSeconds: Math.round((Date.now() - t0) / 100) / 10,
    productionSeconds: Math.round(times.production * 10) / 10,
    settleSeconds: Math.round(times.settle * 10) / 10,
    checkSeconds: Math.round(times.check * 10) / 10,
    detail: check?.detail,
    problems: [...problems, ...(check?.problems ?? [])],
    runDir: relative(process.cwd(), runDir) || '.',
  };
  say(summary.ok ? 'checker: nothing lost, nothing duplicated, every balance right' : `FAILED: ${summary.problems.slice(0, 5).join(' | ')}`);
  // the state dirs are only evidence when something went wrong
  if (summary.ok) rmSync(join(runDir, 'state'), { recursive: true, force: true });
  return summary;
}

interface FaultContext {
  start: number;
  tasks: TaskSupervisor;
  broker: BrokerControl;
  rand: Prng;
  say: (line: string) => void;
  counts: { kills: number; wiped: number; brokerKills: number; stalls: number };
}

/** Strikes each fault at its time; resolves, with what went wrong, once every one is over (stalls resumed, broker back). */
async function strikeFaults(faults: Fault[], c: FaultContext): Promise<string[]> {
  const running: Array<Promise<void>> = [];
  const problems: string[] = [];
  let brokerChain = Promise.resolve(); // one broker outage at a time
  for (const fault of faults) {
    await sleep(Math.max(0, c.start + fault.at - Date.now()));
    const strike = async () => {
      if (fault.kind === 'broker-kill') {
        c.say(`SIGKILL the broker (restart in ${(fault.outageMs / 1000).toFixed(1)} s)`);
        await c.broker.kill!();
        c.counts.brokerKills++;
        await sleep(fault.outageMs);
        const t = Date.now();
        await c.broker.restart!();
        c.say(`broker restarted on its data, serving after ${((Date.now() - t) / 1000).toFixed(1)} s`);
        return;
      }
      const task = await pickIdleTask(c);
      if (fault.kind === 'task-kill') {
        const what = await c.tasks.kill(task, fault.wipe);
        c.counts.kills++;
        if (fault.wipe) c.counts.wiped++;
        c.say(what);
      } else {
        c.say(`SIGSTOP ${task} for ${(fault.ms / 1000).toFixed(0)} s`);
        c.counts.stalls++;
        c.say(await c.tasks.stall(task, fault.ms));
      }
    };
    const done = fault.kind === 'broker-kill' ? (brokerChain = brokerChain.then(strike)) : strike();
    running.push(done.catch((err) => void problems.push(`fault ${fault.kind} at +${(fault.at / 1000).toFixed(1)}s: ${err instanceof Error ? err.message : String(err)}`)));
  }
  await Promise.all(running);
  return problems;
}

/** A task that runs and is not being killed or stalled, drawn from the seed; waits for one (bounded). */
async function pickIdleTask(c: FaultContext): Promise<string> {
  for (let i = 0; i < 240; i++) {
    const idle = c.tasks.idleTasks();
    if (idle.length > 0) return c.rand.pick(idle);
    await sleep(500);
  }
  throw new Error('no task was running and free for two minutes');
}

/** `topology topics create` for the run's wallet (the isolated wallet under WALLET_ID), through the CLI. */
function createTopics(brokers: string, walletId: string): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    execFile(
      process.execPath,
      [join(ROOT, 'bin', 'topology.js'), 'topics', 'create', '--topology', ISOLATED_WALLET, '--brokers', brokers],
      { cwd: ROOT, env: { ...taskEnvironment(), WALLET_ID: walletId }, timeout: 120_000 },
      (err, stdout, stderr) => (err ? reject(new Error(`topics create failed (${err.message})\n${stdout}\n${stderr}`)) : resolvePromise()),
    );
  });
}
