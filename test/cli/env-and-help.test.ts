import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import yargs from 'yargs';
import { envName, optionsFromEnv } from '../../src/cli/env-options';
import { wallet } from '../../topology/wallet/topology';

const ROOT = join(__dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'topology.js');
const GREETING = join(ROOT, 'test', 'fixtures', 'greeting-topology.ts');
const { KAFKA_BROKERS: _k, ...BASE_ENV } = process.env;
for (const name of Object.keys(BASE_ENV)) if (name.startsWith('TOPOLOGY_')) delete BASE_ENV[name];
const topology = (args: string[], env: Record<string, string> = {}) => spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...BASE_ENV, ...env } });

describe('options from the environment (TOPOLOGY_*)', function () {
  this.timeout(60_000);

  it('names: --state-dir is TOPOLOGY_STATE_DIR, --max-batch-size TOPOLOGY_MAX_BATCH_SIZE', () => {
    assert.equal(envName('state-dir'), 'TOPOLOGY_STATE_DIR');
    assert.equal(envName('max-batch-size'), 'TOPOLOGY_MAX_BATCH_SIZE');
    assert.equal(envName('closeTimeoutMs'), 'TOPOLOGY_CLOSE_TIMEOUT_MS');
  });

  /** Parses `argv` with a `run`-like command declared under optionsFromEnv, with `env` as the environment. */
  function parse(argv: string[], env: Record<string, string>) {
    let failure: string | undefined;
    const args = optionsFromEnv(yargs(argv), 'TOPOLOGY', env)
      .command('run', 'r', (y) =>
        y
          .option('state-dir', { type: 'string', default: './data' })
          .option('max-batch-size', { type: 'number', default: 5000 })
          .option('all', { type: 'boolean', default: false })
          .option('task', { type: 'string', array: true }),
      )
      .strict()
      .exitProcess(false)
      .fail((msg, err) => {
        failure = msg ?? err?.message;
      })
      .parseSync();
    return { args: args as Record<string, unknown>, failure };
  }

  it('every declared option reads its variable, typed; the command line wins; the default is the last resort', () => {
    const env = { TOPOLOGY_STATE_DIR: '/var/lib/x', TOPOLOGY_MAX_BATCH_SIZE: '700', TOPOLOGY_ALL: 'true', TOPOLOGY_TASK: 'payment-0, payment-1' };
    const { args, failure } = parse(['run'], env);
    assert.equal(failure, undefined);
    assert.deepEqual([args.stateDir, args.maxBatchSize, args.all, args.task], ['/var/lib/x', 700, true, ['payment-0', 'payment-1']]);
    const flags = parse(['run', '--state-dir', './here', '--max-batch-size', '5', '--no-all', '--task', 'accountant-0'], env).args;
    assert.deepEqual([flags.stateDir, flags.maxBatchSize, flags.all, flags.task], ['./here', 5, false, ['accountant-0']]);
    const defaults = parse(['run'], {}).args;
    assert.deepEqual([defaults.stateDir, defaults.maxBatchSize, defaults.all, defaults.task], ['./data', 5000, false, undefined]);
  });

  it('a value that does not fit its option is a usage error naming the variable; an unrelated TOPOLOGY_* variable is no option', () => {
    assert.match(parse(['run'], { TOPOLOGY_MAX_BATCH_SIZE: 'lots' }).failure ?? '', /TOPOLOGY_MAX_BATCH_SIZE=lots is not a number/);
    assert.match(parse(['run'], { TOPOLOGY_ALL: 'maybe' }).failure ?? '', /TOPOLOGY_ALL=maybe is not a boolean/);
    assert.equal(parse(['run'], { TOPOLOGY_SOMETHING_ELSE: '1', TOPOLOGY_FROM_SOURCE: '0' }).failure, undefined);
  });

  it('the real CLI: TOPOLOGY_FORMAT and TOPOLOGY_PARTITIONS set describe\'s options, flags win', () => {
    const json = topology(['describe'], { TOPOLOGY_FORMAT: 'json', TOPOLOGY_PARTITIONS: '3' });
    assert.equal(json.status, 0, json.stderr);
    assert.equal(JSON.parse(json.stdout).tasks.length, 6);
    const text = topology(['describe', '--format', 'text'], { TOPOLOGY_FORMAT: 'json' });
    assert.equal(text.stdout, wallet.describe());
    const bad = topology(['describe'], { TOPOLOGY_PARTITIONS: 'three' });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /TOPOLOGY_PARTITIONS=three is not a number/);
  });

  it('TOPOLOGY_TOPOLOGY picks the topology module; --brokers comes from TOPOLOGY_BROKERS, then KAFKA_BROKERS', () => {
    const env = { TOPOLOGY_TOPOLOGY: GREETING };
    assert.equal(topology(['hello', 'Ann'], env).stdout, 'hello Ann from greeting (partitions 3, brokers localhost:9092)\n');
    assert.equal(topology(['hello', 'Ann'], { ...env, KAFKA_BROKERS: 'k:1' }).stdout, 'hello Ann from greeting (partitions 3, brokers k:1)\n');
    assert.equal(topology(['hello', 'Ann'], { ...env, KAFKA_BROKERS: 'k:1', TOPOLOGY_BROKERS: 't:2,t:3' }).stdout, 'hello Ann from greeting (partitions 3, brokers t:2,t:3)\n');
    assert.equal(topology(['hello', 'Ann', '--brokers', 'c:4'], { ...env, TOPOLOGY_BROKERS: 't:2' }).stdout, 'hello Ann from greeting (partitions 3, brokers c:4)\n');
    // A plugin command's own options read the environment too.
    assert.equal(topology(['hello', 'Ann'], { ...env, TOPOLOGY_SHOUT: '1' }).stdout, 'HELLO ANN FROM GREETING (PARTITIONS 3, BROKERS LOCALHOST:9092)\n');
  });
});

describe('--help and completion', function () {
  this.timeout(60_000);

  it('--help lists the commands, examples and the environment rule', () => {
    const help = topology(['--help']);
    assert.equal(help.status, 0, help.stderr);
    for (const command of ['describe', 'topics <action>', 'run', 'produce', 'consume', 'serve', 'dev', 'completion']) assert.match(help.stdout, new RegExp(`topology ${command} `));
    assert.match(help.stdout, /^Examples:$/m);
    assert.match(help.stdout, /TOPOLOGY_STATE_DIR/);
  });

  it("each built-in command's --help lists every option with its TOPOLOGY_* variable, and examples", () => {
    const expected: Record<string, string[]> = {
      describe: ['topology', 'partitions', 'format'],
      'topics create': ['topology', 'partitions', 'brokers', 'replication-factor'],
      run: ['topology', 'partitions', 'brokers', 'close-timeout-ms', 'task', 'all', 'state-dir', 'max-batch-size', 'max-batch-bytes', 'commit-interval-ms', 'reset-offsets', 'quiet', 'metrics'],
      produce: ['topology', 'partitions', 'brokers', 'topic', 'file', 'key-field'],
      consume: ['topology', 'partitions', 'brokers', 'close-timeout-ms', 'topic', 'from-beginning', 'max-messages', 'idle-timeout-ms'],
    };
    for (const [command, options] of Object.entries(expected)) {
      const help = topology([...command.split(' '), '--help']);
      assert.equal(help.status, 0, help.stderr);
      const flat = help.stdout.replace(/\s+/g, ' ');
      for (const option of options) assert.ok(flat.includes(`(env ${envName(option)})`), `${command} --help lists ${envName(option)}:\n${help.stdout}`);
      assert.match(help.stdout, /^Examples:$/m, `${command} --help has examples`);
    }
  });

  it('`topology completion` prints a completion script, and the completions it asks for name commands and options', () => {
    const script = topology(['completion']);
    assert.equal(script.status, 0, script.stderr);
    assert.match(script.stdout, /--get-yargs-completions/);
    assert.match(script.stdout, /complete .* topology/);
    const commands = topology(['--get-yargs-completions', 'topology', '']).stdout.split('\n');
    for (const command of ['describe', 'run', 'serve', 'completion']) assert.ok(commands.includes(command), commands.join(' '));
    const options = topology(['--get-yargs-completions', 'topology', 'describe', '--']).stdout.split('\n');
    assert.ok(options.includes('--format'), options.join(' '));
  });
});
