/**
 * A small chaos run (chaos/harness.ts) on the suite's broker: 1,500 transfer requests with 10 % retries among 200
 * accounts, the four tasks as separate processes, 4 task SIGKILLs (1 on a wiped state dir), 1 broker SIGKILL and
 * restart on its data, 1 task SIGSTOP past the 60 s transaction timeout; then the independent checker, which must
 * find nothing wrong, and which is then shown damage (a doctored input log, a planted duplicate leg and dead letter)
 * to prove it sees it. The big run (`npm run chaos`, README "Chaos run") is the same harness with bigger numbers.
 *
 * CHAOS_TEST_SEED replays a run's plan (the seed is printed either way).
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { checkWallet, TransferRequestRecord } from '../../chaos/checker';
import { readCommitted } from '../../chaos/checker/read-committed';
import { runChaos } from '../../chaos/harness';
import { parseChaosArgs } from '../../chaos/options';
import { BROKER_START_TIMEOUT_MS, killBroker, restartBroker, useBroker } from '../support/broker';

describe('chaos: the wallet on the real broker under task kills, a broker kill and a stall', function () {
  let brokers: string;

  before(async function () {
    this.timeout(BROKER_START_TIMEOUT_MS);
    brokers = await useBroker();
  });

  it('1,500 transfers, 4 task kills (1 wiped), 1 broker kill, 1 stall: nothing lost, nothing duplicated, every balance right', async function () {
    this.timeout(6 * 60_000);
    const seed = process.env.CHAOS_TEST_SEED ?? String(Date.now() % 1_000_000);
    const options = parseChaosArgs(['--transfers', '1500', '--kills', '4', '--broker-kills', '1', '--stalls', '1', '--accounts', '200', '--rate', '15', '--seed', seed, '--settle-seconds', '120', '--transaction-timeout-seconds', '10']);
    const progress: string[] = [];
    const summary = await runChaos(options, { broker: { brokers, kill: killBroker, restart: restartBroker }, say: (line) => progress.push(line) });
    const { problems, detail, ...headline } = summary;
    console.log(`      [chaos] ${JSON.stringify(headline)}\n      [chaos] ${JSON.stringify(detail)}`);
    const context = `\n${problems.slice(0, 20).join('\n')}\n--- progress ---\n${progress.join('\n')}`;

    assert.deepEqual({ kills: summary.kills, wiped: summary.wiped, brokerKills: summary.brokerKills, stalls: summary.stalls }, { kills: 4, wiped: 1, brokerKills: 1, stalls: 1 }, `every planned fault struck${context}`);
    assert.equal(summary.transfers, 1500, `every send acknowledged${context}`);
    assert.ok(summary.distinct > 1200 && summary.distinct < 1500, `about 10 % retries: ${summary.distinct} distinct${context}`);
    assert.equal(summary.lost, 0, `nothing lost${context}`);
    assert.equal(summary.duplicated, 0, `nothing duplicated${context}`);
    assert.equal(summary.wrongBalances, 0, `every balance equals the model${context}`);
    assert.equal(summary.balanceSum, '0.00', `the balances sum to 0${context}`);
    assert.equal(summary.deadLetters, 0, `no dead letters${context}`);
    assert.deepEqual(problems, [], `no problem found by the harness or the checker${context}`);
    assert.equal(summary.ok, true);

    // The checker is not blind. Against an input log with one request left out and one never sent, it finds them.
    const sent: TransferRequestRecord[] = readFileSync(join(summary.runDir, 'input.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
    const left = sent[0].request_id;
    // the never-sent one moves a different amount between the same accounts: their balances no longer match
    const amount = sent[0].amount === '1.00' ? '2.00' : '1.00';
    const doctored = [...sent.filter((r) => r.request_id !== left), { request_id: 'never-sent', from: sent[0].from, to: sent[0].to, amount }];
    const blind = await checkWallet({ brokers, walletId: summary.walletId, sent: doctored });
    assert.equal(blind.ok, false);
    assert.deepEqual({ lostInputs: blind.detail.lostInputs, lostLegs: blind.detail.lostLegs }, { lostInputs: 1, lostLegs: 2 }, blind.problems.join('\n'));
    assert.ok(blind.detail.wrongRecords >= 3 && blind.wrongBalances === 2, `the left-out request's input and legs, and its two accounts:\n${blind.problems.join('\n')}`);

    // A leg written twice and a dead letter, planted after the run: both found.
    const kafka = new Kafka({ clientId: 'chaos-test-plant', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
    const payments = `${summary.walletId}.payment`;
    const leg = (await readCommitted(brokers, [payments], 30_000)).get(payments)!.records[0];
    const producer = kafka.producer();
    await producer.connect();
    try {
      await producer.send({ topic: payments, messages: [{ partition: leg.partition, key: leg.key, value: leg.value }] });
      await producer.send({ topic: `${summary.walletId}-dead-letter`, messages: [{ key: 'k', value: 'poison' }] });
    } finally {
      await producer.disconnect();
    }
    const planted = await checkWallet({ brokers, walletId: summary.walletId, sent });
    assert.deepEqual({ ok: planted.ok, duplicatedLegs: planted.detail.duplicatedLegs, deadLetters: planted.deadLetters, lost: planted.lost }, { ok: false, duplicatedLegs: 1, deadLetters: 1, lost: 0 }, planted.problems.join('\n'));
  });
});
