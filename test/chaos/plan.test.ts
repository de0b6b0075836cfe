/** The chaos run's plan and options (chaos/): deterministic from the seed, the retry and wipe shares as promised, clear errors for bad input. */
import { strict as assert } from 'node:assert';
import { main } from '../../chaos/cli';
import { planFaults } from '../../chaos/fault-plan';
import { parseChaosArgs } from '../../chaos/options';
import { Prng } from '../../chaos/prng';
import { accountNames, planSends } from '../../chaos/workload';

describe('chaos plan', () => {
  const o = { transfers: 5000, accounts: 300, retryRate: 0.1, rate: 100 };

  it('sends about 10 % retries, each repeating an earlier request exactly, the same for the same seed', () => {
    const plan = planSends(o, new Prng(7));
    assert.deepEqual(planSends(o, new Prng(7)), plan);
    const retries = plan.filter((s) => s.retry);
    assert.ok(retries.length > 400 && retries.length < 600, `${retries.length} retries of 5000`);
    const firstSeen = new Map<string, number>();
    plan.forEach((s, i) => {
      if (!s.retry) {
        assert.ok(!firstSeen.has(s.request.request_id), 'a new request has a new id');
        firstSeen.set(s.request.request_id, i);
        assert.notEqual(s.request.from, s.request.to);
        assert.match(s.request.amount, /^\d+\.\d{2}$/);
      } else {
        const first = firstSeen.get(s.request.request_id);
        assert.ok(first !== undefined && first < i, 'a retry repeats a request sent before');
        assert.deepEqual(s.request, plan[first].request);
      }
    });
    // some retries come seconds after their request (over 100 sends at 100/s), some at once
    const gaps = retries.map((s) => plan.indexOf(s) - firstSeen.get(s.request.request_id)!);
    assert.ok(gaps.some((g) => g > 100) && gaps.some((g) => g <= 100), 'retries both soon and seconds later');
    assert.equal(new Set(plan.flatMap((s) => [s.request.from, s.request.to])).size, 300, 'every account takes part');
  });

  it('names every account differently, in names of every length modulo 4', () => {
    const names = accountNames(5000);
    assert.equal(new Set(names).size, 5000);
    assert.deepEqual([...new Set(names.map((n) => Buffer.byteLength(n) % 4))].sort(), [0, 1, 2, 3]);
  });

  it('wipes the state of a quarter of the killed tasks, and strikes every fault inside the window', () => {
    const faults = planFaults({ kills: 30, brokerKills: 2, stalls: 3, stallMs: 75_000 }, 400_000, new Prng(1));
    assert.equal(faults.filter((f) => f.kind === 'task-kill').length, 30);
    assert.equal(faults.filter((f) => f.kind === 'task-kill' && f.wipe).length, 8);
    assert.equal(faults.filter((f) => f.kind === 'broker-kill').length, 2);
    assert.equal(faults.filter((f) => f.kind === 'stall').length, 3);
    assert.ok(faults.every((f, i) => f.at > 0 && f.at < 400_000 && (i === 0 || faults[i - 1].at <= f.at)), 'in order, inside the window');
    const [b1, b2] = faults.filter((f) => f.kind === 'broker-kill').map((f) => f.at);
    assert.ok(b1 < 200_000 && b2 > 200_000, 'broker kills are spread over the window');
  });
});

describe('chaos options', () => {
  const base = ['--transfers', '100', '--kills', '2', '--broker-kills', '1', '--stalls', '1'];

  it('parses the required counts and fills the defaults', () => {
    const o = parseChaosArgs([...base, '--seed', '42']);
    assert.deepEqual(
      { transfers: o.transfers, kills: o.kills, brokerKills: o.brokerKills, stalls: o.stalls, accounts: o.accounts, seed: o.seed, stallMs: o.stallMs, brokers: o.brokers },
      { transfers: 100, kills: 2, brokerKills: 1, stalls: 1, accounts: 1000, seed: 42, stallMs: 75_000, brokers: undefined },
    );
  });

  it('refuses bad input, naming the option', () => {
    assert.throws(() => parseChaosArgs(['--kills', '2', '--broker-kills', '0', '--stalls', '0']), /--transfers is required/);
    assert.throws(() => parseChaosArgs([...base, '--accounts', 'many']), /--accounts must be a whole number, got "many"/);
    assert.throws(() => parseChaosArgs([...base, '--accounts', '1']), /--accounts must be at least 2/);
    assert.throws(() => parseChaosArgs([...base, '--rate', '0']), /--rate must be a positive number/);
    // A stall outlasts the transaction timeout and the broker's 10 s expiry check by default.
    assert.equal(parseChaosArgs([...base, '--transaction-timeout-seconds', '10']).stallMs, 25_000);
    assert.equal(parseChaosArgs([...base, '--transaction-timeout-seconds', '10']).transactionTimeoutMs, 10_000);
    assert.throws(() => parseChaosArgs([...base, '--kils', '3']), /Unknown option '--kils'/);
    assert.throws(() => parseChaosArgs([...base, '--brokers', 'kafka:9092']), /--broker-kills 1 needs the run's own broker/);
  });

  it('the command exits 2 with the reason and the usage on bad arguments, before starting anything', async () => {
    const err: string[] = [];
    const code = await main(['--transfers', '10'], { stdout: () => assert.fail('no summary'), stderr: (s) => err.push(s) });
    assert.equal(code, 2);
    assert.match(err.join(''), /^chaos: --kills is required\n\nusage: npm run chaos -- /);
  });
});
