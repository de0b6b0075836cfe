import { strict as assert } from 'node:assert';
import { defineTopology } from '../../src/dsl';
import { TopologyError } from '../../src/core/errors/topology-error';
import { Serdes } from '../../src/serde';
import { TopologyTestDriver } from '../../src/testing';

/** `split()`: Kafka Streams' BranchedKStream, through validation, describe() and the driver. */

const S = Serdes.string();
const N = Serdes.json<number>();
const strings = { key: S, value: S };

/** Orders by amount: large ones to review, negative ones rejected, the rest accepted; a running total per key. */
function orders() {
  return defineTopology('orders', (t) =>
    t.subTopology('route', (s) => {
      s.store('totals', { key: S, value: N });
      s.stream<string, string>('orders', { serdes: strings, name: 'orders-in' })
        .split({ name: 'by-amount' })
        .branch((r) => Number(r.value) < 0, (b) => b.mapValues((v) => `rejected ${v}`, { name: 'reject' }).to('rejected', { serdes: strings, name: 'rejected-out' }), { name: 'negative' })
        .branch((r) => Number(r.value) >= 1000, (b) => b.to('review', { serdes: strings, name: 'review-out' }), { name: 'large' })
        .defaultBranch((b) =>
          b
            .process<string, string>({
              name: 'total',
              stores: ['totals'],
              process: async (r, api) => {
                const totals = api.store<string, number>('totals');
                const total = ((await totals.get(r.key)) ?? 0) + Number(r.value);
                totals.put(r.key, total);
                api.forward({ key: r.key, value: String(total) });
              },
            })
            .to('accepted', { serdes: strings, name: 'accepted-out' }),
        );
    }),
  );
}

describe('DSL: split() into branches', () => {
  let driver: TopologyTestDriver | undefined;
  afterEach(async () => {
    await driver?.close();
    driver = undefined;
  });

  it('routes each record to exactly one branch: the first whose predicate holds, else the default', async () => {
    const d = (driver = await TopologyTestDriver.create(orders(), { partitions: 1 }));
    const input = d.inputTopic<string, string>('orders');
    for (const v of ['5', '-3', '2000', '7', '1000', '-1']) await input.pipe('ann', v);
    assert.deepEqual(d.outputTopic<string, string>('rejected').readAll().map((r) => r.value), ['rejected -3', 'rejected -1']);
    assert.deepEqual(d.outputTopic<string, string>('review').readAll().map((r) => r.value), ['2000', '1000']);
    assert.deepEqual(d.outputTopic<string, string>('accepted').readAll().map((r) => r.value), ['5', '12']);
  });

  it('keeps the record order of a many-record batch across branches', async () => {
    const topology = defineTopology('interleave', (t) =>
      t.subTopology('s', (s) =>
        s
          .stream<string, string>('in', { serdes: strings, name: 'in' })
          .split({ name: 'parity' })
          .branch((r) => Number(r.value) % 2 === 0, (b) => b.mapValues((v) => `even ${v}`, { name: 'even' }).to('out', { serdes: strings, name: 'even-out' }))
          .defaultBranch((b) => b.mapValues((v) => `odd ${v}`, { name: 'odd' }).to('out', { serdes: strings, name: 'odd-out' })),
      ),
    );
    const d = (driver = await TopologyTestDriver.create(topology, { partitions: 1 }));
    for (const v of ['1', '2', '3', '4', '6', '5']) d.log.append({ topic: 'in', partition: 0, key: Buffer.from('k'), value: Buffer.from(v), timestamp: d.now, headers: {} });
    await d.process();
    assert.deepEqual(d.outputTopic<string, string>('out').readAll().map((r) => r.value), ['odd 1', 'even 2', 'odd 3', 'even 4', 'even 6', 'odd 5']);
  });

  it('names the branches after the split and returns their streams; describe() shows them as processors', () => {
    let branches: Record<string, unknown> = {};
    const topology = defineTopology('named', (t) =>
      t.subTopology('s', (s) => {
        branches = s
          .stream<string, string>('in', { serdes: strings, name: 'in' })
          .split({ name: 'route' })
          .branch((r) => r.value === 'a', undefined, { name: 'a' })
          .branch((r) => r.value === 'b')
          .noDefaultBranch();
        (branches['route-a'] as { to: (topic: string, o: object) => void }).to('out-a', { serdes: strings, name: 'out-a' });
      }),
    );
    assert.deepEqual(Object.keys(branches), ['route-a', 'route-2']);
    const text = topology.describe();
    assert.match(text, /Processor: route \(stores: \[\]\)\n {6}--> route-a, route-2\n {6}<-- in\n/);
    assert.match(text, /Processor: route-a \(stores: \[\]\)\n {6}--> out-a\n {6}<-- route\n/);
    assert.match(text, /Processor: route-2 \(stores: \[\]\)\n {6}--> none\n {6}<-- route\n/);
    assert.match(topology.describeDetail(), /route {2,}split/);
    assert.match(topology.describeDetail(), /route-a {2,}branch/);
  });

  it('a split without branches is refused when the topology is built, naming it', () => {
    assert.throws(
      () =>
        defineTopology('empty', (t) =>
          t.subTopology('s', (s) => {
            s.stream<string, string>('in', { serdes: strings, name: 'in' }).split({ name: 'nowhere' });
          }),
        ),
      (err: unknown) => err instanceof TopologyError && err.code === 'TOPOLOGY_EMPTY_SPLIT' && /split 'nowhere' has no branch/.test(err.message),
    );
  });

  it('a branch added after the split ended is refused', () => {
    assert.throws(
      () =>
        defineTopology('ended', (t) =>
          t.subTopology('s', (s) => {
            const split = s.stream<string, string>('in', { serdes: strings, name: 'in' }).split({ name: 'done' });
            split.defaultBranch();
            split.branch(() => true);
          }),
        ),
      (err: unknown) => err instanceof TopologyError && err.code === 'TOPOLOGY_SPLIT_ENDED',
    );
  });
});
