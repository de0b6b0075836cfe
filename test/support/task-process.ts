/**
 * Child processes of the `topology` CLI for the Kafka integration tests: spawn `topology run` / `topology topics`
 * as real processes (`process.execPath bin/topology.js ...`), collect their stdout (report lines) and stderr (pino
 * JSON logs), wait for lines with deadlines, and stop or kill them by pid only.
 *
 * Every process spawned through `spawnTopology` is tracked; call `killAllTracked()` in an `afterEach` so no test
 * ever leaves a task running (SIGTERM, then SIGKILL after a grace period).
 */
import { ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..');
export const TOPOLOGY_BIN = path.join(ROOT, 'bin', 'topology.js');
export const ISOLATED_WALLET = path.join(ROOT, 'test', 'fixtures', 'isolated-wallet.ts');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface SpawnOptions {
  /** Extra environment (merged over process.env), e.g. WALLET_ID. */
  env?: NodeJS.ProcessEnv;
  /** A name for messages ("accountant-1#2"). */
  name?: string;
  /** Echo the child's output to this process' stderr as it comes (debugging; also env TASK_PROCESS_ECHO=1). */
  echo?: boolean;
  /**
   * Also append the child's output, each line prefixed with its arrival time, to `<logDir>/<name>.<pid>.log`
   * (evidence for failure reports; also env TASK_PROCESS_LOG_DIR).
   */
  logDir?: string;
}

/** One child process of the CLI, with its output so far. */
export class TopologyProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly name: string;
  readonly startedAt = Date.now();
  stdout = '';
  stderr = '';
  exit?: Exit;
  readonly exited: Promise<Exit>;

  constructor(args: string[], opts: SpawnOptions = {}) {
    this.name = opts.name ?? args.join(' ');
    this.child = spawn(process.execPath, [TOPOLOGY_BIN, ...args], {
      cwd: ROOT,
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (this.child.pid === undefined) throw new Error(`could not spawn ${this.name}`);
    this.pid = this.child.pid;
    const echo = opts.echo ?? process.env.TASK_PROCESS_ECHO === '1';
    const logDir = opts.logDir ?? process.env.TASK_PROCESS_LOG_DIR;
    let logFile: string | undefined;
    if (logDir) {
      mkdirSync(logDir, { recursive: true });
      logFile = path.join(logDir, `${this.name.replace(/[^\w.#+-]+/g, '_')}.${this.pid}.log`);
      appendFileSync(logFile, `${new Date().toISOString()} [spawn] ${process.execPath} ${TOPOLOGY_BIN} ${args.join(' ')}\n`);
    }
    const record = (stream: 'out' | 'err', d: string) => {
      if (echo) process.stderr.write(prefixLines(`[${this.name} ${stream}] `, d));
      if (logFile) appendFileSync(logFile, prefixLines(`${new Date().toISOString()} [${stream}] `, d));
    };
    this.child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      this.stdout += d;
      record('out', d);
    });
    this.child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      this.stderr += d;
      record('err', d);
    });
    this.exited = new Promise<Exit>((resolve) => {
      // 'close' (not 'exit'): all output has been read by then
      this.child.once('close', (code, signal) => {
        this.exit = { code, signal };
        if (logFile) appendFileSync(logFile, `${new Date().toISOString()} [exit] ${JSON.stringify(this.exit)}\n`);
        resolve(this.exit);
      });
    });
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  get stdoutLines(): string[] {
    return this.stdout.split('\n').filter(Boolean);
  }

  /** stderr lines parsed as JSON where they are (pino), else `{ msg: line }`. */
  get logs(): Array<Record<string, any>> {
    return this.stderr
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        try {
          return JSON.parse(line);
        } catch {
          return { msg: line };
        }
      });
  }

  /** Sends a signal to this pid (only if it still runs). */
  signal(sig: NodeJS.Signals): void {
    if (this.running) {
      try {
        process.kill(this.pid, sig);
      } catch {
        /* already gone */
      }
    }
  }

  /** SIGKILL and wait until it is reaped. */
  async kill(): Promise<Exit> {
    this.signal('SIGKILL');
    return this.exited;
  }

  /** SIGTERM, and SIGKILL if it has not exited after `graceMs`. */
  async stop(graceMs = 15_000): Promise<Exit> {
    if (!this.running) return this.exit!;
    this.signal('SIGTERM');
    const timer = setTimeout(() => this.signal('SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Waits for the process to exit within `timeoutMs`, else fails (the process keeps running). */
  async waitForExit(timeoutMs: number): Promise<Exit> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${this.name} (pid ${this.pid}) did not exit within ${timeoutMs} ms\n${this.tail()}`)), timeoutMs);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Polls until `test(this)` holds; fails naming `what` and the output tail at the deadline or if the process exits. */
  async waitFor(what: string, test: (p: TopologyProcess) => boolean, timeoutMs: number, opts: { allowExit?: boolean } = {}): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (test(this)) return;
      if (!this.running && !opts.allowExit) {
        throw new Error(`${this.name} (pid ${this.pid}) exited (${JSON.stringify(this.exit)}) before ${what}\n${this.tail()}`);
      }
      if (Date.now() >= deadline) throw new Error(`${this.name} (pid ${this.pid}): expected ${what} within ${timeoutMs} ms\n${this.tail()}`);
      await sleep(100);
    }
  }

  waitForStdout(pattern: RegExp | string, timeoutMs: number): Promise<void> {
    return this.waitFor(`stdout to match ${pattern}`, (p) => matches(p.stdout, pattern), timeoutMs);
  }

  waitForStderr(pattern: RegExp | string, timeoutMs: number): Promise<void> {
    return this.waitFor(`stderr to match ${pattern}`, (p) => matches(p.stderr, pattern), timeoutMs);
  }

  /** Last lines of stdout and stderr, for failure messages. */
  tail(lines = 25): string {
    const last = (s: string) => s.split('\n').filter(Boolean).slice(-lines).join('\n');
    return `--- ${this.name} stdout (last ${lines}) ---\n${last(this.stdout)}\n--- ${this.name} stderr (last ${lines}) ---\n${last(this.stderr)}`;
  }
}

function matches(text: string, pattern: RegExp | string): boolean {
  return typeof pattern === 'string' ? text.includes(pattern) : pattern.test(text);
}

function prefixLines(prefix: string, text: string): string {
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => `${prefix}${l}\n`)
    .join('');
}

const tracked = new Set<TopologyProcess>();

/** Spawns `node bin/topology.js <args>` and tracks it for `killAllTracked()`. */
export function spawnTopology(args: string[], opts: SpawnOptions = {}): TopologyProcess {
  const p = new TopologyProcess(args, opts);
  tracked.add(p);
  void p.exited.then(() => tracked.delete(p));
  return p;
}

/** Every tracked process still running. */
export function trackedProcesses(): TopologyProcess[] {
  return [...tracked].filter((p) => p.running);
}

/** SIGTERM every tracked process still running (by pid), SIGKILL those still there after `graceMs`. */
export async function killAllTracked(graceMs = 5_000): Promise<void> {
  await Promise.all(trackedProcesses().map((p) => p.stop(graceMs)));
}

export interface WalletTaskOptions {
  brokers: string;
  walletId: string;
  stateDir: string;
  tasks: string[];
  /** Topology file (default: the isolated wallet, which reads WALLET_ID). */
  topology?: string;
  name?: string;
  extraArgs?: string[];
  env?: NodeJS.ProcessEnv;
}

/** `topology run --task ... --topology <isolated wallet> --brokers B --state-dir DIR` with WALLET_ID set. */
export function spawnWalletTasks(o: WalletTaskOptions): TopologyProcess {
  const args = ['run', ...o.tasks.flatMap((t) => ['--task', t]), '--topology', o.topology ?? ISOLATED_WALLET, '--brokers', o.brokers, '--state-dir', o.stateDir, ...(o.extraArgs ?? [])];
  return spawnTopology(args, { name: o.name ?? o.tasks.join('+'), env: { WALLET_ID: o.walletId, ...o.env } });
}

/** Runs a CLI command to completion (bounded), e.g. `topics create`. */
export async function runTopology(args: string[], opts: SpawnOptions & { timeoutMs?: number } = {}): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  const p = spawnTopology(args, opts);
  try {
    const exit = await p.waitForExit(opts.timeoutMs ?? 60_000);
    return { ...exit, stdout: p.stdout, stderr: p.stderr };
  } finally {
    if (p.running) await p.kill();
  }
}

/** `topology topics create --topology <isolated wallet> --brokers B` with WALLET_ID set. */
export function createWalletTopics(brokers: string, walletId: string, timeoutMs = 60_000, extraArgs: string[] = []) {
  return runTopology(['topics', 'create', '--topology', ISOLATED_WALLET, '--brokers', brokers, ...extraArgs], { env: { WALLET_ID: walletId }, name: `topics create ${walletId}`, timeoutMs });
}
