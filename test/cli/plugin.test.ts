import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli as walletCli } from '../../topology/wallet/cli';
import { wallet } from '../../topology/wallet/topology';

const ROOT = join(__dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'topology.js');
const GREETING = join(ROOT, 'test', 'fixtures', 'greeting-topology.ts');
const { KAFKA_BROKERS: _, ...ENV } = process.env;
const topology = (args: string[], cwd = ROOT) => spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: ENV });

describe('the CLI plugin hook (a topology module\'s `cli` export)', function () {
  this.timeout(60_000);

  it('a user\'s topology adds its own command, with the common options and its own', () => {
    const out = topology(['hello', 'Ann', '--shout', '--topology', GREETING, '--partitions', '5', '--brokers', 'k1:9092,k2:9092']);
    assert.equal(out.status, 0, out.stderr);
    assert.equal(out.stdout, 'HELLO ANN FROM GREETING (PARTITIONS 5, BROKERS K1:9092,K2:9092)\n');
    const defaults = topology(['hello', 'Bob', `--topology=${GREETING}`]);
    assert.equal(defaults.stdout, 'hello Bob from greeting (partitions 3, brokers localhost:9092)\n', defaults.stderr);
  });

  it('lists the module\'s commands in --help, and only that module\'s', () => {
    const greeting = topology(['--help', '--topology', GREETING]);
    assert.match(greeting.stdout, /topology hello <name>\s+greets someone/);
    assert.doesNotMatch(greeting.stdout, /topology serve/);
    const wallet = topology(['--help']);
    assert.match(wallet.stdout, /topology serve /);
    assert.match(wallet.stdout, /topology dev /);
    assert.doesNotMatch(wallet.stdout, /hello/);
  });

  it('a command the loaded module does not have is an unknown command (exit 2)', () => {
    const out = topology(['serve', '--topology', GREETING]);
    assert.equal(out.status, 2);
    assert.match(out.stderr, /unknown command 'serve' \(commands: describe, topics, run, produce, consume, completion, hello\)/);
  });

  it('the default topology is the "topology" field of the project\'s package.json', () => {
    const project = mkdtempSync(join(tmpdir(), 'topology-project-'));
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'my-project', topology: GREETING }));
    const out = topology(['hello', 'Cy'], project);
    assert.equal(out.status, 0, out.stderr);
    assert.match(out.stdout, /^hello Cy from greeting/);
    // A project without the field gets this package's own app.
    const bare = mkdtempSync(join(tmpdir(), 'topology-project-'));
    writeFileSync(join(bare, 'package.json'), JSON.stringify({ name: 'bare' }));
    assert.match(topology(['describe', '--format', 'detail'], bare).stdout, /^Application: wallet$/m);
  });

  it('the wallet holds `produce` lines for its transfer topic to the HTTP API\'s rules, and no other topic', () => {
    const fromJson = walletCli.produceValue?.('wallet.transfer_request', wallet);
    assert.ok(fromJson);
    assert.throws(() => fromJson({ request_id: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', from: 'A', to: 'B', amount: 'NaN' }), { message: /^amount_invalid: / });
    assert.throws(() => fromJson({ request_id: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', from: 'A', to: 'A', amount: '1' }), { code: 'same_account' });
    const t = fromJson({ request_id: 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', from: ' A ', to: 'B', amount: '1.005' }) as { request_id: string; from: string; amount: { toFixed(n: number): string } };
    assert.deepEqual([t.request_id, t.from, t.amount.toFixed(2)], ['a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'A', '1.01']);
    assert.equal(walletCli.produceValue?.('wallet.balance', wallet), undefined);
  });

  it('a module\'s topology options shape the topology every command uses, from the command line or the environment', () => {
    const plain = topology(['describe', '--format', 'json']);
    assert.equal(plain.status, 0, plain.stderr);
    const topicsOf = (json: string) => (JSON.parse(json) as { topics: Array<{ name: string }> }).topics.map((t) => t.name).filter((t) => t.startsWith('wallet.')).sort();
    assert.deepEqual(topicsOf(plain.stdout), ['wallet.balance', 'wallet.payment', 'wallet.transfer_request']);
    const protectedTopics = ['wallet.balance', 'wallet.debit', 'wallet.deposit_request', 'wallet.payment', 'wallet.transfer_request', 'wallet.transfer_status'];
    const flag = topology(['describe', '--format', 'json', '--overdraft-limit', '0.00']);
    assert.equal(flag.status, 0, flag.stderr);
    assert.deepEqual(topicsOf(flag.stdout), protectedTopics);
    const env = spawnSync(process.execPath, [BIN, 'describe', '--format', 'json'], { cwd: ROOT, encoding: 'utf8', env: { ...ENV, TOPOLOGY_OVERDRAFT_LIMIT: '10' } });
    assert.equal(env.status, 0, env.stderr);
    assert.deepEqual(topicsOf(env.stdout), protectedTopics);
    assert.match(topology(['run', '--help']).stdout.replace(/\s+/g, ' '), /--overdraft-limit overdraft protection: .*?\(env TOPOLOGY_OVERDRAFT_LIMIT\)/);
  });

  it('a topology option the module cannot build with is an error naming the option and why (exit 1)', () => {
    const out = topology(['describe', '--overdraft-limit', '-5']);
    assert.equal(out.status, 1);
    assert.match(out.stderr, /cannot build the topology with --overdraft-limit -5: overdraft limit must be an amount from 0\.00/);
  });

  it('the wallet holds `produce` lines for its deposit topic to the API\'s deposit rules', () => {
    const protectedWallet = walletCli.configure!({ 'overdraft-limit': '0.00' });
    const fromJson = walletCli.produceValue?.('wallet.deposit_request', protectedWallet);
    assert.ok(fromJson);
    assert.throws(() => fromJson({ request_id: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', account: '', amount: '1' }), { code: 'account_required' });
    assert.throws(() => fromJson({ request_id: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', account: 'A', amount: '0.009' }), { code: 'amount_lt_min' });
    const d = fromJson({ request_id: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', account: 'A', amount: '2.005' }) as { amount: { toFixed(n: number): string } };
    assert.equal(d.amount.toFixed(2), '2.01');
  });
});
