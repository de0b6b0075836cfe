import { strict as assert } from 'node:assert';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { wallet } from '../../topology/wallet/topology';

const ROOT = join(__dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'topology.js');
const SEED = '{"from": "Alice", "to": "Bob", "amount": "0.5", "request_id": "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"}';

describe('topology CLI', function () {
  this.timeout(60_000);

  it("describe prints Kafka Streams' description; --format detail adds the four wallet tasks and the topics with partitions", () => {
    const out = spawnSync(process.execPath, [BIN, 'describe'], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(out.status, 0, out.stderr);
    assert.equal(out.stdout, wallet.describe());
    assert.ok(out.stdout.startsWith('Topologies:\n   Sub-topology: 0\n    Source: transfer-requests (topics: [wallet.transfer_request])\n'), out.stdout);
    const detail = spawnSync(process.execPath, [BIN, 'describe', '--format', 'detail'], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(detail.status, 0, detail.stderr);
    assert.equal(detail.stdout, wallet.describeDetail());
    assert.match(detail.stdout, /^Tasks: payment-0 payment-1 accountant-0 accountant-1$/m);
    assert.match(detail.stdout, /wallet\.transfer_request\s+partitions=2\s+cleanup\.policy=delete/);
    assert.match(detail.stdout, /wallet-balance-changelog\s+partitions=2\s+cleanup\.policy=compact/);
    const json = JSON.parse(spawnSync(process.execPath, [BIN, 'describe', '--format', 'json', '--partitions', '3'], { cwd: ROOT, encoding: 'utf8' }).stdout);
    assert.equal(json.tasks.length, 6);
    const mermaid = spawnSync(process.execPath, [BIN, 'describe', '--format', 'mermaid'], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(mermaid.stdout, wallet.toMermaid(), mermaid.stderr);
  });

  it('a usage mistake (mixing static and group-managed options) exits 2 with a message; an unknown task exits 1 naming the tasks', () => {
    // `run` alone is group-managed mode now (issue 10); the usage mistakes are mixing the modes.
    const usage = spawnSync(process.execPath, [BIN, 'run', '--all', '--task', 'payment-0'], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(usage.status, 2);
    assert.match(usage.stderr, /give --task <id> or --all, not both/);
    const standbys = spawnSync(process.execPath, [BIN, 'run', '--all', '--standbys', '1'], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(standbys.status, 2);
    assert.match(standbys.stderr, /--standbys needs group-managed mode/);
    const unknown = spawnSync(process.execPath, [BIN, 'run', '--task', 'payment-9'], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /unknown task 'payment-9'.*payment-0 payment-1 accountant-0 accountant-1/);
  });

  it('dev mode: the README curl gives 201 and prints the balance lines; a retry changes nothing; SIGTERM exits 0', async () => {
    const child = spawn(process.execPath, [BIN, 'dev', '--http', '127.0.0.1:0', '--state-dir', join(ROOT, 'data', 'dev-test')], { cwd: ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    try {
      const base = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`dev mode did not start: ${stderr}`)), 30_000);
        child.stderr.on('data', () => {
          const m = /transfer API on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]);
          }
        });
      });
      // curl -d sends application/x-www-form-urlencoded; the API reads the JSON body anyway.
      const post = () => fetch(`${base}/api/v1/transfers`, { method: 'POST', body: SEED, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      const res = await post();
      assert.equal(res.status, 201);
      assert.equal(res.headers.get('content-type'), 'application/json');
      assert.equal(await res.text(), '{"request_id":"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11","from":"Alice","amount":"0.50","to":"Bob"}\n');
      assert.match(stdout, /^Bob balance: 0\.50 USD$/m);
      assert.match(stdout, /^Alice balance: -0\.50 USD$/m);
      assert.match(stdout, /^1:\d+ a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11 Alice -\$0\.50$/m);

      assert.equal((await post()).status, 201);
      const bob = await fetch(`${base}/api/v1/accounts/Bob`);
      assert.deepEqual(await bob.json(), { account: 'Bob', balance: '0.50', currency: 'USD' });
      assert.equal((stdout.match(/balance:/g) ?? []).length, 2, 'the retry printed no new balance');
      assert.equal((await fetch(`${base}/api/v1/accounts/Nobody`)).status, 404);
    } finally {
      const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      assert.equal(await exit, 0, stderr);
    }
  });
});
