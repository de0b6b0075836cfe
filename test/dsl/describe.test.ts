import { strict as assert } from 'node:assert';
import { defineTopology, Topology, TopicSpec } from '../../src/dsl';
import { Serdes } from '../../src/serde';
import { buildWallet, wallet } from '../../topology/wallet/topology';

/** The text of `describe()` and the facts of `toJSON()`, for the wallet and for a small topology of our own. */

const S = Serdes.string();
const strings = { key: S, value: S };

interface JsonNode {
  name: string;
  kind: string;
  topic?: string;
  stores: string[];
  successors: string[];
  predecessors: string[];
}
interface JsonTopology {
  applicationId: string;
  subTopologies: Array<{ name: string; nodes: JsonNode[]; stores: Array<{ name: string; changelogTopic: string }> }>;
  topics: TopicSpec[];
  tasks: string[];
}

const json = (t: Topology, partitions?: number) => JSON.parse(JSON.stringify(partitions === undefined ? t.toJSON() : t.toJSON(partitions))) as JsonTopology;
const lines = (text: string) => text.split('\n');
/** The described line of a topic: `<name>  partitions=<n>  cleanup.policy=<p>  (<roles>)`. */
const topicLine = (text: string, topic: string) => lines(text).find((l) => l.trim().startsWith(`${topic} `));

describe('Topology.describe() and toJSON()', () => {
  describe('the wallet', () => {
    const text = wallet.describe();

    it('starts with the application id', () => {
      assert.equal(lines(text)[0], 'Topology: wallet');
    });

    it('lists both sub-topologies in definition order', () => {
      const subs = lines(text).filter((l) => l.includes('Sub-topology:')).map((l) => l.trim());
      assert.deepEqual(subs, ['Sub-topology: payment', 'Sub-topology: accountant']);
    });

    it('describes the payment sub-topology: source, processors with their stores, sink and the edges', () => {
      const expected = [
        '  Sub-topology: payment',
        '    Source: transfer-requests (topics: [wallet.transfer_request])',
        '      --> transfer-dedupe',
        '    Processor: transfer-dedupe (dedupe, stores: [transfer-dedupe])',
        '      --> split-legs',
        '      <-- transfer-requests',
        '    Processor: split-legs (flatMap, stores: [])',
        '      --> payments-out',
        '      <-- transfer-dedupe',
        '    Sink: payments-out (topic: wallet.payment)',
        '      <-- split-legs',
        '  Sub-topology: accountant',
      ].join('\n');
      assert.ok(text.includes(expected), text);
    });

    it('describes the accountant sub-topology', () => {
      const expected = [
        '  Sub-topology: accountant',
        '    Source: payments-in (topics: [wallet.payment])',
        '      --> payment-dedupe',
        '    Processor: payment-dedupe (dedupe, stores: [payment-dedupe])',
        '      --> balance',
        '      <-- payments-in',
        '    Processor: balance (aggregate, stores: [balance])',
        '      --> balances-out',
        '      <-- payment-dedupe',
        '    Sink: balances-out (topic: wallet.balance)',
        '      <-- balance',
        '',
        'Topics:',
      ].join('\n');
      assert.ok(text.includes(expected), text);
    });

    it('lists every topic with its partitions, cleanup policy and roles', () => {
      const expected: Array<[string, string, string]> = [
        ['wallet.transfer_request', 'delete', 'source'],
        ['wallet.payment', 'delete', 'sink, source'],
        ['wallet.balance', 'delete', 'sink'],
        ['wallet-transfer-dedupe-changelog', 'compact', 'changelog'],
        ['wallet-payment-dedupe-changelog', 'compact', 'changelog'],
        ['wallet-balance-changelog', 'compact', 'changelog'],
        ['wallet-dead-letter', 'delete', 'dead-letter'],
      ];
      for (const [topic, policy, roles] of expected) {
        const line = topicLine(text, topic);
        assert.ok(line, `no line for ${topic} in\n${text}`);
        assert.match(line, new RegExp(`^  ${topic.replace(/\./g, '\\.')} +partitions=2  cleanup\\.policy=${policy}  \\(${roles}\\)$`));
      }
      const section = text.slice(text.indexOf('Topics:'), text.indexOf('Tasks:'));
      assert.equal(section.trim().split('\n').length - 1, expected.length, `exactly the wallet's topics:\n${section}`);
    });

    it('aligns the topic column', () => {
      const section = lines(text.slice(text.indexOf('Topics:') + 'Topics:\n'.length, text.indexOf('\n\nTasks:')));
      const columns = new Set(section.map((l) => l.indexOf('partitions=')));
      assert.equal(columns.size, 1, section.join('\n'));
    });

    it('ends with exactly the four tasks', () => {
      assert.equal(lines(text).at(-1), 'Tasks: payment-0 payment-1 accountant-0 accountant-1');
      assert.equal(lines(text).filter((l) => l.startsWith('Tasks:')).length, 1);
    });

    it('follows a partition count of 3, given to buildWallet or to describe()', () => {
      for (const described of [buildWallet({ partitions: 3 }).describe(), wallet.describe(3)]) {
        assert.equal(lines(described).at(-1), 'Tasks: payment-0 payment-1 payment-2 accountant-0 accountant-1 accountant-2');
        for (const topic of ['wallet.transfer_request', 'wallet.payment', 'wallet.balance', 'wallet-transfer-dedupe-changelog', 'wallet-payment-dedupe-changelog', 'wallet-balance-changelog', 'wallet-dead-letter']) {
          assert.match(topicLine(described, topic) ?? '', /partitions=3 /, `${topic} in\n${described}`);
        }
      }
      // describe(3) does not change the topology itself
      assert.equal(lines(wallet.describe()).at(-1), 'Tasks: payment-0 payment-1 accountant-0 accountant-1');
    });

    it('toJSON has the same sub-topologies, nodes, edges and stores', () => {
      const j = json(wallet);
      assert.equal(j.applicationId, 'wallet');
      assert.deepEqual(
        j.subTopologies.map((s) => s.name),
        ['payment', 'accountant'],
      );
      const [payment, accountant] = j.subTopologies;
      assert.deepEqual(payment.nodes, [
        { name: 'transfer-requests', kind: 'source', topic: 'wallet.transfer_request', stores: [], successors: ['transfer-dedupe'], predecessors: [] },
        { name: 'transfer-dedupe', kind: 'dedupe', stores: ['transfer-dedupe'], successors: ['split-legs'], predecessors: ['transfer-requests'] },
        { name: 'split-legs', kind: 'flatMap', stores: [], successors: ['payments-out'], predecessors: ['transfer-dedupe'] },
        { name: 'payments-out', kind: 'sink', topic: 'wallet.payment', stores: [], successors: [], predecessors: ['split-legs'] },
      ]);
      assert.deepEqual(accountant.nodes, [
        { name: 'payments-in', kind: 'source', topic: 'wallet.payment', stores: [], successors: ['payment-dedupe'], predecessors: [] },
        { name: 'payment-dedupe', kind: 'dedupe', stores: ['payment-dedupe'], successors: ['balance'], predecessors: ['payments-in'] },
        { name: 'balance', kind: 'aggregate', stores: ['balance'], successors: ['balances-out'], predecessors: ['payment-dedupe'] },
        { name: 'balances-out', kind: 'sink', topic: 'wallet.balance', stores: [], successors: [], predecessors: ['balance'] },
      ]);
      assert.deepEqual(payment.stores, [{ name: 'transfer-dedupe', changelogTopic: 'wallet-transfer-dedupe-changelog' }]);
      assert.deepEqual(accountant.stores, [
        { name: 'payment-dedupe', changelogTopic: 'wallet-payment-dedupe-changelog' },
        { name: 'balance', changelogTopic: 'wallet-balance-changelog' },
      ]);
    });

    it('toJSON has the same topics and tasks as describe()', () => {
      for (const partitions of [undefined, 3]) {
        const j = json(wallet, partitions);
        const described = partitions === undefined ? wallet.describe() : wallet.describe(partitions);
        assert.deepEqual(j.tasks.join(' '), lines(described).at(-1)?.replace('Tasks: ', ''));
        for (const spec of j.topics) {
          assert.equal(topicLine(described, spec.name), `  ${spec.name.padEnd(32)}  partitions=${spec.partitions}  cleanup.policy=${spec.cleanupPolicy}  (${spec.roles.join(', ')})`);
        }
        const byName = Object.fromEntries(j.topics.map((t) => [t.name, t]));
        for (const changelog of ['wallet-transfer-dedupe-changelog', 'wallet-payment-dedupe-changelog', 'wallet-balance-changelog']) {
          assert.deepEqual(byName[changelog], { name: changelog, partitions: partitions ?? 2, cleanupPolicy: 'compact', roles: ['changelog'] });
        }
        assert.deepEqual(byName['wallet.payment'].roles.slice().sort(), ['sink', 'source']);
        assert.equal(byName['wallet-dead-letter'].cleanupPolicy, 'delete');
      }
      assert.deepEqual(json(wallet).tasks, ['payment-0', 'payment-1', 'accountant-0', 'accountant-1']);
    });

    it('toJSON is what topics() and tasks() say', () => {
      const j = json(wallet);
      assert.deepEqual(j.topics, JSON.parse(JSON.stringify(wallet.topics())));
      assert.deepEqual(j.tasks, wallet.tasks().map((t) => t.id));
    });

    it('has no dead-letter topic when every policy is fail', () => {
      const strict = buildWallet({ errors: { deserialization: 'fail', processing: 'fail', production: 'fail' } });
      assert.equal(topicLine(strict.describe(), 'wallet-dead-letter'), undefined);
      assert.ok(!json(strict).topics.some((t) => t.roles.includes('dead-letter')));
    });
  });

  describe('a small user topology with fan-out and a process node', () => {
    const topology = defineTopology('shop', (t) => {
      t.topic('orders', { partitions: 4 });
      t.subTopology('orders', (s) => {
        s.store('order-totals', { key: S, value: Serdes.json<number>() });
        const orders = s.stream<string, string>('orders', { serdes: strings, name: 'orders-in' });
        // Fan-out: `orders-in` has two children, in this order.
        orders.filter((r) => r.value !== '', { name: 'non-empty' }).to('orders.audit', { serdes: strings, name: 'audit-out' });
        orders
          .process<string, number>({ name: 'total', stores: ['order-totals'], process: () => undefined })
          .mapValues((n) => String(n), { name: 'format' })
          .to('orders.totals', { serdes: strings, name: 'totals-out' });
      });
    });
    const text = topology.describe();

    it('describes the fan-out as one `-->` line with both children, in attach order', () => {
      const expected = [
        'Topology: shop',
        '  Sub-topology: orders',
        '    Source: orders-in (topics: [orders])',
        '      --> non-empty, total',
        '    Processor: non-empty (filter, stores: [])',
        '      --> audit-out',
        '      <-- orders-in',
        '    Sink: audit-out (topic: orders.audit)',
        '      <-- non-empty',
        '    Processor: total (process, stores: [order-totals])',
        '      --> format',
        '      <-- orders-in',
        '    Processor: format (mapValues, stores: [])',
        '      --> totals-out',
        '      <-- total',
        '    Sink: totals-out (topic: orders.totals)',
        '      <-- format',
        '',
        'Topics:',
      ].join('\n');
      assert.ok(text.startsWith(expected), text);
    });

    it('lists its topics: the declared source count for the source and the changelog, the default for the sinks', () => {
      assert.match(topicLine(text, 'orders') ?? '', /partitions=4  cleanup\.policy=delete  \(source\)$/);
      assert.match(topicLine(text, 'shop-order-totals-changelog') ?? '', /partitions=4  cleanup\.policy=compact  \(changelog\)$/);
      assert.match(topicLine(text, 'orders.audit') ?? '', /partitions=2  cleanup\.policy=delete  \(sink\)$/);
      assert.match(topicLine(text, 'orders.totals') ?? '', /partitions=2  cleanup\.policy=delete  \(sink\)$/);
      assert.equal(topology.topics().length, 4, 'no dead-letter topic: every policy is fail');
    });

    it('has one task per partition of its source', () => {
      assert.equal(lines(text).at(-1), 'Tasks: orders-0 orders-1 orders-2 orders-3');
      // The declared count wins over a run's default.
      assert.equal(lines(topology.describe(6)).at(-1), 'Tasks: orders-0 orders-1 orders-2 orders-3');
      assert.match(topicLine(topology.describe(6), 'orders.audit') ?? '', /partitions=6 /);
    });

    it('toJSON has the same nodes and edges', () => {
      const j = json(topology);
      assert.deepEqual(
        j.subTopologies[0].nodes.map((n) => [n.name, n.kind, n.stores, n.successors, n.predecessors]),
        [
          ['orders-in', 'source', [], ['non-empty', 'total'], []],
          ['non-empty', 'filter', [], ['audit-out'], ['orders-in']],
          ['audit-out', 'sink', [], [], ['non-empty']],
          ['total', 'process', ['order-totals'], ['format'], ['orders-in']],
          ['format', 'mapValues', [], ['totals-out'], ['total']],
          ['totals-out', 'sink', [], [], ['format']],
        ],
      );
      assert.deepEqual(j.subTopologies[0].stores, [{ name: 'order-totals', changelogTopic: 'shop-order-totals-changelog' }]);
      assert.deepEqual(j.tasks, ['orders-0', 'orders-1', 'orders-2', 'orders-3']);
    });

    it('lists a declared dead-letter topic with its declared partition count (the count tasks write with)', () => {
      // A task picks the dead-letter partition as source partition % topology.partitionsOf(deadLetterTopic), so topics()
      // must create the topic with that count. Today it lists the default (2): under the TopologyTestDriver a poison
      // record from partition 3 of `in` then fails its task with "topic dlq-dead-letter has no partition 3".
      const withDeadLetters = defineTopology(
        'dlq',
        (t) => {
          t.topic('in', { partitions: 4 }).topic('dlq-dead-letter', { partitions: 4 });
          t.subTopology('sub', (s) => s.stream('in', { serdes: strings, name: 'in' }).to('out', { serdes: strings, name: 'out' }));
        },
        { errors: { processing: 'dead-letter' } },
      );
      assert.equal(withDeadLetters.partitionsOf('dlq-dead-letter'), 4);
      assert.deepEqual(withDeadLetters.topics().find((t) => t.name === 'dlq-dead-letter'), { name: 'dlq-dead-letter', partitions: 4, cleanupPolicy: 'delete', roles: ['dead-letter'] });
    });
  });
});
