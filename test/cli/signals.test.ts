import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { SignalTarget, onSignals } from '../../src/cli/signals';

const ROOT = join(__dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'topology.js');
const SLOW = join(__dirname, 'fixtures', 'slow-close.ts');

/** A stand-in for `process`: signals are emitted by the test, exit codes and stderr are recorded. */
function fakeProcess() {
  const events = new EventEmitter();
  const exits: number[] = [];
  let stderr = '';
  let exited!: (code: number) => void;
  const exit = new Promise<number>((resolve) => (exited = resolve));
  const target: SignalTarget = {
    on: (signal, listener) => events.on(signal, listener),
    exit: (code) => {
      exits.push(code);
      exited(code);
    },
    stderr: { write: (text) => (stderr += text) },
  };
  return { target, exits, exit, stderr: () => stderr, signal: (s: 'SIGINT' | 'SIGTERM') => events.emit(s) };
}

const never = () => new Promise<void>(() => undefined);
const after = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('shutdown on signals', () => {
  it('closes every part, then exits 0', async () => {
    const p = fakeProcess();
    const closed: string[] = [];
    onSignals({ 'task a-0': async () => void closed.push('a-0'), 'task a-1': async () => void closed.push('a-1') }, { process: p.target });
    p.signal('SIGTERM');
    assert.equal(await p.exit, 0);
    assert.deepEqual(closed.sort(), ['a-0', 'a-1']);
    assert.match(p.stderr(), /^SIGTERM: stopping \(up to 30 s;/);
  });

  it('exits 1 when a part fails to close, naming it', async () => {
    const p = fakeProcess();
    onSignals({ ok: async () => undefined, 'metrics server': async () => Promise.reject(new Error('port gone')) }, { process: p.target });
    p.signal('SIGINT');
    assert.equal(await p.exit, 1);
    assert.match(p.stderr(), /error while stopping metrics server: port gone/);
  });

  it('gives up after the deadline, exits 1 and names what did not close', async () => {
    const p = fakeProcess();
    onSignals({ 'task payment-0': never, 'task payment-1': async () => undefined, 'task accountant-0': never }, { process: p.target, closeTimeoutMs: 50 });
    const started = Date.now();
    p.signal('SIGINT');
    assert.equal(await p.exit, 1);
    assert.ok(Date.now() - started >= 45);
    assert.match(p.stderr(), /error: did not close within 50 ms: task payment-0, task accountant-0\n$/);
    assert.deepEqual(p.exits, [1]);
  });

  it('a second Ctrl-C exits at once (130), a second SIGTERM with 143', async () => {
    for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
      const p = fakeProcess();
      onSignals(never, { process: p.target, name: 'serve', closeTimeoutMs: 10_000 });
      p.signal(signal);
      await after(5);
      assert.deepEqual(p.exits, []);
      p.signal(signal);
      assert.equal(await p.exit, code);
      assert.match(p.stderr(), new RegExp(`${signal} again: exiting now`));
    }
  });
});

describe('shutdown of a real `topology` process', function () {
  this.timeout(60_000);

  /** Starts `topology linger` and resolves once it waits for a signal. */
  function linger(args: string[]) {
    const child = spawn(process.execPath, [BIN, 'linger', '--topology', SLOW, ...args], { cwd: ROOT });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`did not start: ${stderr}`)), 30_000);
      child.stderr.on('data', () => {
        if (stderr.includes('ready\n')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    return { child, ready, exited, stderr: () => stderr };
  }

  it('a close that hangs ends at --close-timeout-ms with exit 1, naming the command', async () => {
    const p = linger(['--close-timeout-ms', '300']);
    await p.ready;
    p.child.kill('SIGINT');
    assert.equal(await p.exited, 1, p.stderr());
    assert.match(p.stderr(), /error: did not close within 300 ms: linger\n/);
  });

  it('a second Ctrl-C does not wait for the close', async () => {
    const p = linger([]);
    await p.ready;
    p.child.kill('SIGINT');
    await new Promise<void>((resolve) => p.child.stderr.on('data', () => p.stderr().includes('closing') && resolve()));
    const started = Date.now();
    p.child.kill('SIGINT');
    assert.equal(await p.exited, 130, p.stderr());
    assert.ok(Date.now() - started < 5_000);
  });

  it('a close within the deadline exits 0; TOPOLOGY_CLOSE_TIMEOUT_MS sets the deadline', async () => {
    const p = linger(['--close-ms', '50']);
    await p.ready;
    p.child.kill('SIGTERM');
    assert.equal(await p.exited, 0, p.stderr());
    const q = spawn(process.execPath, [BIN, 'linger', '--topology', SLOW], { cwd: ROOT, env: { ...process.env, TOPOLOGY_CLOSE_TIMEOUT_MS: '200' } });
    let stderr = '';
    q.stderr.on('data', (d) => {
      stderr += d;
      if (String(d).includes('ready')) q.kill('SIGTERM');
    });
    assert.equal(await new Promise((resolve) => q.on('exit', resolve)), 1);
    assert.match(stderr, /did not close within 200 ms: linger/);
  });
});
