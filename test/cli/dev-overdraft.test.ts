/**
 * The README's overdraft walkthrough in dev mode (`topology dev --overdraft-limit 0.00`): deposits, a transfer the
 * sender can pay, one it cannot, polling each transfer's status; and the routes of a wallet without protection.
 */
import { strict as assert } from 'node:assert';
import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'topology.js');
const T1 = 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11';
const T2 = 'b0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12';
const D1 = 'c0eebc99-9c0b-4ef8-bb6d-6bb9bd380a13';

async function startDev(args: string[], stateDir: string): Promise<{ child: ChildProcess; base: string; out: () => string }> {
  const child = spawn(process.execPath, [BIN, 'dev', '--http', '127.0.0.1:0', '--state-dir', join(ROOT, 'data', stateDir), ...args], { cwd: ROOT });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`dev mode did not start: ${stderr}`)), 30_000);
    child.stderr!.on('data', () => {
      const m = /transfer API on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
  });
  return { child, base, out: () => stdout };
}

async function stop(child: ChildProcess): Promise<void> {
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  assert.equal(await exit, 0);
}

const post = (base: string, path: string, body: object) => fetch(`${base}${path}`, { method: 'POST', body: JSON.stringify(body) });
const json = async (res: Response) => ({ status: res.status, body: (await res.json()) as Record<string, string> });

describe('dev mode with overdraft protection', function () {
  this.timeout(60_000);

  it('takes deposits, completes a transfer the sender can pay, rejects one it cannot, and answers each status', async () => {
    const { child, base, out } = await startDev(['--overdraft-limit', '0.00'], 'dev-overdraft-test');
    try {
      assert.deepEqual(await json(await post(base, '/api/v1/deposits', { request_id: D1, account: 'Alice', amount: '1.00' })), { status: 201, body: { request_id: D1, account: 'Alice', amount: '1.00' } });
      assert.deepEqual(await json(await post(base, '/api/v1/deposits', { request_id: D1, account: 'Alice', amount: '1.00' })), { status: 201, body: { request_id: D1, account: 'Alice', amount: '1.00' } }, 'a retried deposit is accepted (and applied once)');
      assert.equal((await post(base, '/api/v1/transfers', { request_id: T1, from: 'Alice', to: 'Bob', amount: '0.5' })).status, 201);
      assert.equal((await post(base, '/api/v1/transfers', { request_id: T2, from: 'Alice', to: 'Bob', amount: '0.75' })).status, 201);

      assert.deepEqual(await json(await fetch(`${base}/api/v1/transfers/${T1}`)), { status: 200, body: { request_id: T1, status: 'completed' } });
      assert.deepEqual(await json(await fetch(`${base}/api/v1/transfers/${T2}`)), { status: 200, body: { request_id: T2, status: 'rejected', reason: 'insufficient_funds' } });
      assert.deepEqual(await json(await fetch(`${base}/api/v1/accounts/Alice`)), { status: 200, body: { account: 'Alice', balance: '0.50', currency: 'USD' } });
      assert.deepEqual(await json(await fetch(`${base}/api/v1/accounts/Bob`)), { status: 200, body: { account: 'Bob', balance: '0.50', currency: 'USD' } });
      assert.match(out(), new RegExp(`^${T2} rejected: insufficient_funds$`, 'm'));

      assert.deepEqual(await json(await fetch(`${base}/api/v1/transfers/d0eebc99-9c0b-4ef8-bb6d-6bb9bd380a14`)), {
        status: 404,
        body: { message: 'transfer d0eebc99-9c0b-4ef8-bb6d-6bb9bd380a14 not found', code: 'transfer_not_found' },
      });
      assert.deepEqual(await json(await fetch(`${base}/api/v1/transfers/not-a-uuid`)), { status: 400, body: { message: 'transfer request ID must be valid UUID', code: 'request_id_invalid' } });
      assert.deepEqual(await json(await post(base, '/api/v1/deposits', { request_id: D1, account: ' ', amount: '1' })), { status: 400, body: { message: 'deposit account is required', code: 'account_required' } });
      assert.deepEqual(await json(await post(base, '/api/v1/deposits', { request_id: 'x', account: 'A', amount: '1' })), { status: 400, body: { message: 'deposit request ID must be valid UUID', code: 'request_id_invalid' } });
      assert.deepEqual(await json(await post(base, '/api/v1/deposits', { request_id: D1, account: 'A', amount: '0.009' })), { status: 400, body: { message: 'ensure this value is greater than 0.01', code: 'amount_lt_min' } });
      assert.equal((await fetch(`${base}/api/v1/deposits`)).status, 405);
    } finally {
      await stop(child);
    }
  });

  it('without protection, deposits and transfer statuses answer 404 saying what turns them on; the demo walkthrough is unchanged', async () => {
    const { child, base } = await startDev([], 'dev-unprotected-test');
    try {
      const deposit = await json(await post(base, '/api/v1/deposits', { request_id: D1, account: 'Alice', amount: '1.00' }));
      assert.equal(deposit.status, 404);
      assert.equal(deposit.body.code, 'overdraft_protection_off');
      assert.match(deposit.body.message, /--overdraft-limit/);
      assert.equal((await json(await fetch(`${base}/api/v1/transfers/${T1}`))).body.code, 'overdraft_protection_off');
      assert.equal((await post(base, '/api/v1/transfers', { request_id: T1, from: 'Alice', to: 'Bob', amount: '0.5' })).status, 201);
      assert.deepEqual(await json(await fetch(`${base}/api/v1/accounts/Alice`)), { status: 200, body: { account: 'Alice', balance: '-0.50', currency: 'USD' } });
    } finally {
      await stop(child);
    }
  });
});
