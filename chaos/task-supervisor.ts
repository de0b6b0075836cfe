/**
 * The wallet's four tasks as separate `topology run --task X` processes, each with its own state dir, as a
 * deployment would run them. The supervisor restarts any task process that exits (a crash, a broker outage it
 * gave up on, a kill by the harness), and performs the harness's faults on them: SIGKILL (optionally wiping the
 * task's state dir before the restart) and SIGSTOP/SIGCONT stalls. Each process writes its stdout and stderr to
 * `<runDir>/logs/<task>.<life>.log`, the evidence for a failed run. Only pids it spawned are ever signalled.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..');
const TOPOLOGY_BIN = join(ROOT, 'bin', 'topology.js');
/** The wallet under the run's own application id and topic prefix (WALLET_ID), as the tests and benchmarks run it. */
export const ISOLATED_WALLET = join(ROOT, 'test', 'fixtures', 'isolated-wallet.ts');
export const WALLET_TASKS = ['payment-0', 'payment-1', 'accountant-0', 'accountant-1'] as const;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * This process's environment without what would change how a task runs behind the harness's back: every
 * `TOPOLOGY_*` option (TOPOLOGY_ALL would run all four tasks in each process), and a schema registry (the checker
 * reads Avro single-object encoding only).
 */
export function taskEnvironment(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('TOPOLOGY_') && name !== 'SCHEMA_REGISTRY_URL' && name !== 'KAFKA_BROKERS'));
}

/** Signals a pid this supervisor spawned; false if it is already gone. */
function tryKill(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

export interface TaskSupervisorOptions {
  brokers: string;
  walletId: string;
  runDir: string;
  /** The tasks' `--transaction-timeout-ms`. */
  transactionTimeoutMs: number;
  /** Progress lines ("payment-1 exited (code 1) ..."), for the harness's event log. */
  say: (line: string) => void;
}

interface Life {
  child: ChildProcess;
  pid: number;
  number: number;
  logFile: string;
  startedAt: number;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Set once the process exited. */
  ended: boolean;
  /** The harness ended this life on purpose (a kill, the final stop): no automatic restart. */
  stopped: boolean;
}

export interface TaskStats {
  /** Exits the harness did not cause (crashes, giving up during a broker outage), each followed by a restart. */
  unexpectedExits: Array<{ task: string; code: number | null; signal: string | null; lastLine: string }>;
  lives: Record<string, number>;
}

export class TaskSupervisor {
  private readonly lives = new Map<string, Life>();
  private readonly lifeCount = new Map<string, number>();
  /** Tasks the harness is killing or stalling right now: not picked for another fault meanwhile. */
  private readonly busy = new Set<string>();
  private stopping = false;
  readonly stats: TaskStats = { unexpectedExits: [], lives: {} };

  constructor(private readonly o: TaskSupervisorOptions) {
    // no task process may outlive the harness (it crashed, or was interrupted before stopAll)
    process.once('exit', () => {
      for (const life of this.lives.values()) if (!life.ended) tryKill(life.pid, 'SIGKILL');
    });
  }

  stateDir(task: string): string {
    return join(this.o.runDir, 'state', task);
  }

  startAll(): void {
    for (const task of WALLET_TASKS) this.spawn(task);
  }

  /** Waits until every task logged that it consumes (restored and fenced its transactional id). */
  async waitAllConsuming(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (const task of WALLET_TASKS) {
      while (!this.logOf(task).includes(`task ${task} consuming`)) {
        if (Date.now() > deadline) throw new Error(`${task} did not start consuming within ${timeoutMs} ms:\n${this.tail(task)}`);
        await sleep(200);
      }
    }
  }

  /** Tasks that run and are not being killed or stalled: the candidates for the next fault. */
  idleTasks(): string[] {
    return WALLET_TASKS.filter((t) => !this.busy.has(t) && this.lives.get(t)?.ended === false);
  }

  /** SIGKILL, wait for the exit, optionally wipe the task's state dir, start it again. */
  async kill(task: string, wipe: boolean): Promise<string> {
    const life = this.lives.get(task);
    if (!life || life.ended) throw new Error(`${task} is not running`);
    this.busy.add(task);
    try {
      life.stopped = true; // the harness restarts it below, not the exit handler
      tryKill(life.pid, 'SIGKILL'); // false: it exited by itself a moment ago, and is restarted below all the same
      const exit = await life.exited;
      if (wipe) rmSync(this.stateDir(task), { recursive: true, force: true });
      if (!this.stopping) this.spawn(task);
      return `${task} pid ${life.pid} SIGKILLed (${exit.signal ?? `exit ${exit.code}`})${wipe ? ', state dir wiped' : ''}`;
    } finally {
      this.busy.delete(task);
    }
  }

  /** SIGSTOP for `ms`, then SIGCONT: a stall (long GC, frozen VM) the task must survive. */
  async stall(task: string, ms: number): Promise<string> {
    const life = this.lives.get(task);
    if (!life || life.ended) throw new Error(`${task} is not running`);
    this.busy.add(task);
    try {
      process.kill(life.pid, 'SIGSTOP');
      await sleep(ms);
      // it may have been replaced meanwhile (it cannot exit while stopped, but be exact about which pid is signalled)
      if (this.lives.get(task) === life) tryKill(life.pid, 'SIGCONT');
      return `${task} pid ${life.pid} resumed after a ${(ms / 1000).toFixed(0)} s stall`;
    } finally {
      this.busy.delete(task);
    }
  }

  /** SIGTERM every task (a clean close), SIGKILL what is left after `graceMs`; no restarts from now on. */
  async stopAll(graceMs = 30_000): Promise<Array<{ task: string; code: number | null; signal: string | null }>> {
    this.stopping = true;
    const lives = [...this.lives.entries()];
    return Promise.all(
      lives.map(async ([task, life]) => {
        life.stopped = true;
        if (life.ended) return { task, ...(await life.exited) };
        tryKill(life.pid, 'SIGCONT'); // a stalled task must be able to hear the SIGTERM
        tryKill(life.pid, 'SIGTERM');
        const timer = setTimeout(() => tryKill(life.pid, 'SIGKILL'), graceMs);
        const exit = await life.exited;
        clearTimeout(timer);
        return { task, code: exit.code, signal: exit.signal };
      }),
    );
  }

  /** The last lines a task's current process wrote. */
  tail(task: string, lines = 15): string {
    return this.logOf(task).split('\n').filter(Boolean).slice(-lines).join('\n');
  }

  private logOf(task: string): string {
    const life = this.lives.get(task);
    if (!life) return '';
    try {
      return readFileSync(life.logFile, 'utf8');
    } catch {
      return '';
    }
  }

  private spawn(task: string): void {
    const number = (this.lifeCount.get(task) ?? 0) + 1;
    this.lifeCount.set(task, number);
    this.stats.lives[task] = number;
    const logDir = join(this.o.runDir, 'logs');
    mkdirSync(logDir, { recursive: true });
    mkdirSync(this.stateDir(task), { recursive: true });
    const logFile = join(logDir, `${task}.${number}.log`);
    const fd = openSync(logFile, 'a');
    const args = [TOPOLOGY_BIN, 'run', '--task', task, '--topology', ISOLATED_WALLET, '--brokers', this.o.brokers, '--state-dir', this.stateDir(task), '--quiet', '--transaction-timeout-ms', String(this.o.transactionTimeoutMs)];
    const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...taskEnvironment(), WALLET_ID: this.o.walletId }, stdio: ['ignore', fd, fd] });
    closeSync(fd); // the child holds its own copy
    if (child.pid === undefined) throw new Error(`could not spawn ${task}`);
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.once('exit', (code, signal) => r({ code, signal })));
    const life: Life = { child, pid: child.pid, number, logFile, startedAt: Date.now(), exited, ended: false, stopped: false };
    this.lives.set(task, life);
    void exited.then((exit) => {
      life.ended = true;
      return this.onExit(task, life, exit);
    });
  }

  /** An exit the harness did not cause: note why, and start the task again (sooner if it had run a while). */
  private async onExit(task: string, life: Life, exit: { code: number | null; signal: NodeJS.Signals | null }): Promise<void> {
    if (life.stopped || this.stopping) return;
    const lastLine = this.tail(task, 1);
    this.stats.unexpectedExits.push({ task, code: exit.code, signal: exit.signal, lastLine: lastLine.slice(0, 400) });
    this.o.say(`${task} pid ${life.pid} exited by itself (${exit.signal ?? `code ${exit.code}`}) after ${((Date.now() - life.startedAt) / 1000).toFixed(1)} s; restarting it. Last line: ${lastLine.slice(0, 300)}`);
    const ranLong = Date.now() - life.startedAt > 30_000;
    await sleep(ranLong ? 200 : 2_000);
    if (!this.stopping && this.lives.get(task) === life) this.spawn(task);
  }
}
