import { strict as assert } from 'node:assert';
import { defineTopology, TopologyBuilder, TopologyOptions } from '../../src/dsl';
import { SubTopologyBuilder } from '../../src/dsl/sub-topology-builder';
import { TopologyError } from '../../src/core/errors/topology-error';
import { Serdes } from '../../src/serde';

/**
 * Every way `defineTopology` refuses a topology: a TopologyError with a machine-readable `code` and a `node` naming
 * the offender (a node, store, topic, sub-topology or the application id).
 */

const S = Serdes.string();
const strings = { key: S, value: S };
const counts = { key: S, value: Serdes.json<number>() };

type Build = (t: TopologyBuilder) => void;

function expectTopologyError(build: Build, code: string, node: string, options: TopologyOptions = {}, app = 'app'): TopologyError {
  let caught: unknown;
  try {
    defineTopology(app, build, options);
  } catch (err) {
    caught = err;
  }
  assert.ok(caught !== undefined, `expected a TopologyError ${code} naming '${node}', but the topology was built`);
  assert.ok(caught instanceof TopologyError, `expected a TopologyError, got ${(caught as Error)?.constructor?.name}: ${(caught as Error)?.message}`);
  assert.equal(caught.code, code, caught.message);
  assert.equal(caught.node, node, caught.message);
  assert.equal(caught.name, 'TopologyError');
  assert.equal(caught.retriable, false);
  return caught;
}

/** The smallest valid sub-topology: read a topic, write a topic. */
const passThrough = (from: string, to: string, prefix = from) => (s: SubTopologyBuilder) =>
  s.stream(from, { serdes: strings, name: `${prefix}-in` }).to(to, { serdes: strings, name: `${prefix}-out` });

describe('topology validation', () => {
  it('builds a topology that breaks no rule', () => {
    const topology = defineTopology('app', (t) => {
      t.subTopology('first', (s) => {
        s.store('seen', counts);
        s.stream<string, string>('in', { serdes: strings, name: 'in' })
          .dedupe({ name: 'dedupe', id: (r) => r.value, retention: '1h' })
          .process({ name: 'proc', stores: ['seen'], process: () => undefined })
          .to('middle', { serdes: strings, name: 'to-middle' });
      });
      t.subTopology('second', (s) =>
        s
          .stream<string, string>('middle', { serdes: strings, name: 'from-middle' })
          .aggregate({ name: 'count', init: () => 0, add: (n: number) => n + 1, serdes: counts })
          .to('out', { serdes: counts, name: 'out' }),
      );
    });
    assert.deepEqual(topology.tasks().map((t) => t.id), ['first-0', 'first-1', 'second-0', 'second-1']);
  });

  describe('duplicate names', () => {
    it('refuses two nodes with the same name in one sub-topology', () => {
      expectTopologyError(
        (t) =>
          t.subTopology('sub', (s) =>
            s
              .stream('in', { serdes: strings, name: 'in' })
              .peek(() => undefined, { name: 'twice' })
              .peek(() => undefined, { name: 'twice' })
              .to('out', { serdes: strings }),
          ),
        'TOPOLOGY_DUPLICATE_NAME',
        'twice',
      );
    });

    it('refuses two nodes with the same name in different sub-topologies (node names are global)', () => {
      expectTopologyError(
        (t) => {
          t.subTopology('a', (s) => s.stream('in-a', { serdes: strings, name: 'reader' }).to('out-a', { serdes: strings }));
          t.subTopology('b', (s) => s.stream('in-b', { serdes: strings, name: 'reader' }).to('out-b', { serdes: strings }));
        },
        'TOPOLOGY_DUPLICATE_NAME',
        'reader',
      );
    });

    it('refuses a node that takes the generated name of another (<kind>-<n>)', () => {
      expectTopologyError(
        (t) =>
          t.subTopology('sub', (s) =>
            s
              .stream('in', { serdes: strings, name: 'in' })
              .map((r) => r, { name: 'map-1' }) // the first unnamed node of the topology is map-1 as well
              .map((r) => r)
              .to('out', { serdes: strings, name: 'out' }),
          ),
        'TOPOLOGY_DUPLICATE_NAME',
        'map-1',
      );
    });

    it('refuses two stores with the same name', () => {
      expectTopologyError(
        (t) =>
          t.subTopology('sub', (s) => {
            s.store('kv', counts);
            s.store('kv', counts);
            s.stream('in', { serdes: strings, name: 'in' }).to('out', { serdes: strings });
          }),
        'TOPOLOGY_DUPLICATE_NAME',
        'kv',
      );
    });

    it('refuses a declared store named like the store of a dedupe/aggregate node', () => {
      expectTopologyError(
        (t) =>
          t.subTopology('sub', (s) => {
            s.store('totals', counts);
            s.stream<string, string>('in', { serdes: strings, name: 'in' })
              .aggregate({ name: 'totals', init: () => 0, add: (n: number) => n + 1, serdes: counts })
              .to('out', { serdes: counts });
          }),
        'TOPOLOGY_DUPLICATE_NAME',
        'totals',
      );
    });

    it('refuses stores with the same name in different sub-topologies (they would share a changelog topic)', () => {
      expectTopologyError(
        (t) => {
          t.subTopology('a', (s) => {
            s.store('kv', counts);
            passThrough('in-a', 'out-a')(s);
          });
          t.subTopology('b', (s) => {
            s.store('kv', counts);
            passThrough('in-b', 'out-b')(s);
          });
        },
        'TOPOLOGY_DUPLICATE_NAME',
        'kv',
      );
    });

    it('refuses two sub-topologies with the same name', () => {
      expectTopologyError(
        (t) => {
          t.subTopology('twin', passThrough('in-a', 'out-a'));
          t.subTopology('twin', passThrough('in-b', 'out-b'));
        },
        'TOPOLOGY_DUPLICATE_NAME',
        'twin',
      );
    });
  });

  describe('stores', () => {
    it('refuses a process node using a store that was never declared', () => {
      expectTopologyError(
        (t) =>
          t.subTopology('sub', (s) =>
            s
              .stream('in', { serdes: strings, name: 'in' })
              .process({ name: 'enrich', stores: ['missing'], process: () => undefined })
              .to('out', { serdes: strings }),
          ),
        'TOPOLOGY_UNKNOWN_STORE',
        'enrich',
      );
    });

    it('refuses a process node using the store of another sub-topology', () => {
      const err = expectTopologyError(
        (t) => {
          t.subTopology('owner', (s) => {
            s.store('theirs', counts);
            passThrough('in-a', 'out-a')(s);
          });
          t.subTopology('thief', (s) =>
            s
              .stream('in-b', { serdes: strings, name: 'in-b' })
              .process({ name: 'borrow', stores: ['theirs'], process: () => undefined })
              .to('out-b', { serdes: strings }),
          );
        },
        'TOPOLOGY_UNKNOWN_STORE',
        'borrow',
      );
      assert.match(err.message, /owner/);
    });

    it('refuses a process node using the store of a later sub-topology', () => {
      expectTopologyError(
        (t) => {
          t.subTopology('early', (s) =>
            s
              .stream('in-a', { serdes: strings, name: 'in-a' })
              .process({ name: 'too-early', stores: ['later-store'], process: () => undefined })
              .to('out-a', { serdes: strings }),
          );
          t.subTopology('late', (s) => {
            s.store('later-store', counts);
            passThrough('in-b', 'out-b')(s);
          });
        },
        'TOPOLOGY_UNKNOWN_STORE',
        'too-early',
      );
    });
  });

  describe('sources', () => {
    it('refuses a sub-topology without a source', () => {
      expectTopologyError(
        (t) => {
          t.subTopology('ok', passThrough('in', 'out'));
          t.subTopology('empty', () => undefined);
        },
        'TOPOLOGY_NO_SOURCE',
        'empty',
      );
    });

    it('refuses a sub-topology that only declares a store', () => {
      expectTopologyError((t) => t.subTopology('stores-only', (s) => s.store('kv', counts)), 'TOPOLOGY_NO_SOURCE', 'stores-only');
    });

    it('refuses two sub-topologies reading the same topic, naming the second reader', () => {
      expectTopologyError(
        (t) => {
          t.subTopology('first', passThrough('shared', 'out-1', 'first'));
          t.subTopology('second', passThrough('shared', 'out-2', 'second'));
        },
        'TOPOLOGY_TOPIC_READ_TWICE',
        'second-in',
      );
    });

    it('refuses one sub-topology reading the same topic twice', () => {
      expectTopologyError(
        (t) =>
          t.subTopology('sub', (s) => {
            s.stream('in', { serdes: strings, name: 'in-1' }).to('out-1', { serdes: strings });
            s.stream('in', { serdes: strings, name: 'in-2' }).to('out-2', { serdes: strings });
          }),
        'TOPOLOGY_TOPIC_READ_TWICE',
        'in-2',
      );
    });

    it('refuses a sub-topology whose sources have different partition counts (co-partitioning)', () => {
      const err = expectTopologyError(
        (t) => {
          t.topic('orders', { partitions: 4 });
          t.subTopology('join', (s) => {
            s.stream('orders', { serdes: strings, name: 'orders' }).to('out-1', { serdes: strings });
            s.stream('customers', { serdes: strings, name: 'customers' }).to('out-2', { serdes: strings });
          });
        },
        'TOPOLOGY_NOT_COPARTITIONED',
        'join',
      );
      assert.match(err.message, /orders=4/);
      assert.match(err.message, /customers=2/);
    });

    it('accepts several sources with the same declared partition count, one task per partition', () => {
      const topology = defineTopology('app', (t) => {
        t.topic('orders', { partitions: 4 }).topic('customers', { partitions: 4 });
        t.subTopology('join', (s) => {
          s.stream('orders', { serdes: strings, name: 'orders' }).to('out-1', { serdes: strings });
          s.stream('customers', { serdes: strings, name: 'customers' }).to('out-2', { serdes: strings });
        });
      });
      assert.deepEqual(topology.tasks().map((t) => t.id), ['join-0', 'join-1', 'join-2', 'join-3']);
    });

    it('checks co-partitioning at the partition count the topology is run with, not only at the default', () => {
      // Valid at the default (2 = 2), but run with 3 partitions `customers` has 3 and `orders` keeps its declared 2.
      // Today tasks(3) yields join-0..2 and topics(3) lists `orders` with 3 partitions against its declaration.
      const topology = defineTopology('app', (t) => {
        t.topic('orders', { partitions: 2 });
        t.subTopology('join', (s) => {
          s.stream('customers', { serdes: strings, name: 'customers' }).to('out-1', { serdes: strings });
          s.stream('orders', { serdes: strings, name: 'orders' }).to('out-2', { serdes: strings });
        });
      });
      assert.equal(topology.tasks(2).length, 2);
      assert.throws(
        () => topology.tasks(3),
        (err: unknown) => err instanceof TopologyError && err.code === 'TOPOLOGY_NOT_COPARTITIONED' && err.node === 'join',
      );
    });
  });

  describe('reserved topics', () => {
    it('refuses a sink writing to a store changelog topic', () => {
      expectTopologyError(
        (t) =>
          t.subTopology('sub', (s) =>
            s
              .stream<string, string>('in', { serdes: strings, name: 'in' })
              .aggregate({ name: 'totals', init: () => 0, add: (n: number) => n + 1, serdes: counts })
              .to('app-totals-changelog', { serdes: counts, name: 'forge-changelog' }),
          ),
        'TOPOLOGY_RESERVED_TOPIC',
        'forge-changelog',
      );
    });

    it('refuses a sink writing to the changelog of a store of another sub-topology', () => {
      expectTopologyError(
        (t) => {
          t.subTopology('a', (s) => {
            s.store('kv', counts);
            passThrough('in-a', 'out-a')(s);
          });
          t.subTopology('b', (s) => s.stream('in-b', { serdes: strings, name: 'in-b' }).to('app-kv-changelog', { serdes: strings, name: 'sneaky' }));
        },
        'TOPOLOGY_RESERVED_TOPIC',
        'sneaky',
      );
    });

    it('refuses a source reading a changelog topic', () => {
      expectTopologyError(
        (t) => {
          t.subTopology('a', (s) => {
            s.store('kv', counts);
            passThrough('in-a', 'out-a')(s);
          });
          t.subTopology('b', (s) => s.stream('app-kv-changelog', { serdes: strings, name: 'changelog-reader' }).to('out-b', { serdes: strings }));
        },
        'TOPOLOGY_RESERVED_TOPIC',
        'changelog-reader',
      );
    });

    it('refuses a sink writing to the dead-letter topic when dead letters are in use', () => {
      expectTopologyError(
        (t) => t.subTopology('sub', (s) => s.stream('in', { serdes: strings, name: 'in' }).to('app-dead-letter', { serdes: strings, name: 'to-dlq' })),
        'TOPOLOGY_RESERVED_TOPIC',
        'to-dlq',
        { errors: { processing: 'dead-letter' } },
      );
    });

    it('lets a sink write to `<app>-dead-letter` when no policy produces dead letters', () => {
      const topology = defineTopology('app', (t) =>
        t.subTopology('sub', (s) => s.stream('in', { serdes: strings, name: 'in' }).to('app-dead-letter', { serdes: strings, name: 'to-dlq' })),
      );
      assert.deepEqual(topology.topics().find((x) => x.name === 'app-dead-letter')?.roles, ['sink']);
    });
  });

  describe('illegal names', () => {
    for (const app of ['my app', 'app/1', 'ä', '']) {
      it(`refuses the application id ${JSON.stringify(app)}`, () => {
        expectTopologyError((t) => t.subTopology('sub', passThrough('in', 'out')), 'TOPOLOGY_BAD_NAME', app, {}, app);
      });
    }

    it('accepts letters, digits, dots, underscores and dashes in the application id', () => {
      assert.doesNotThrow(() => defineTopology('My_app.v2-x', (t) => t.subTopology('sub', passThrough('in', 'out'))));
    });

    for (const store of ['bad store', 'a/b', 'tot:als']) {
      it(`refuses the store name ${JSON.stringify(store)}`, () => {
        expectTopologyError(
          (t) =>
            t.subTopology('sub', (s) => {
              s.store(store, counts);
              passThrough('in', 'out')(s);
            }),
          'TOPOLOGY_BAD_NAME',
          store,
        );
      });
    }

    it('refuses a dedupe/aggregate node whose name is not a legal store name', () => {
      expectTopologyError(
        (t) =>
          t.subTopology('sub', (s) =>
            s
              .stream<string, string>('in', { serdes: strings, name: 'in' })
              .aggregate({ name: 'count per key', init: () => 0, add: (n: number) => n + 1, serdes: counts })
              .to('out', { serdes: counts }),
          ),
        'TOPOLOGY_BAD_NAME',
        'count per key',
      );
    });

    it('refuses an illegal source topic name, naming the source node', () => {
      expectTopologyError((t) => t.subTopology('sub', (s) => s.stream('bad topic', { serdes: strings, name: 'reader' }).to('out', { serdes: strings })), 'TOPOLOGY_BAD_NAME', 'reader');
    });

    it('refuses an illegal sink topic name, naming the sink node', () => {
      expectTopologyError((t) => t.subTopology('sub', (s) => s.stream('in', { serdes: strings, name: 'in' }).to('out#1', { serdes: strings, name: 'writer' })), 'TOPOLOGY_BAD_NAME', 'writer');
    });

    it('refuses an illegal sub-topology name (it names tasks)', () => {
      expectTopologyError((t) => t.subTopology('sub topology', passThrough('in', 'out')), 'TOPOLOGY_BAD_NAME', 'sub topology');
    });

    it("refuses the topic names Kafka itself rejects although their characters are legal: '.', '..' and > 249 chars", () => {
      for (const topic of ['.', '..', 'x'.repeat(250)]) {
        expectTopologyError((t) => t.subTopology('sub', (s) => s.stream(topic, { serdes: strings, name: 'reader' }).to('out', { serdes: strings })), 'TOPOLOGY_BAD_NAME', 'reader');
      }
    });

    it('refuses an illegal dead-letter topic name', () => {
      expectTopologyError((t) => t.subTopology('sub', passThrough('in', 'out')), 'TOPOLOGY_BAD_NAME', 'dead letters', {
        errors: { processing: 'dead-letter', deadLetterTopic: 'dead letters' },
      });
    });
  });

  describe('stateful nodes need a name', () => {
    const unnamed = undefined as unknown as string; // what a JavaScript caller (or a cast) can pass

    for (const name of [unnamed, '']) {
      const label = name === '' ? 'an empty name' : 'no name';
      it(`refuses a dedupe with ${label}`, () => {
        expectTopologyError(
          (t) => t.subTopology('sub', (s) => s.stream<string, string>('in', { serdes: strings, name: 'in' }).dedupe({ name, id: (r) => r.value, retention: '1d' })),
          'TOPOLOGY_UNNAMED_STATEFUL_NODE',
          'sub/dedupe',
        );
      });

      it(`refuses an aggregate with ${label}`, () => {
        expectTopologyError(
          (t) =>
            t.subTopology('sub', (s) =>
              s.stream<string, string>('in', { serdes: strings, name: 'in' }).aggregate({ name, init: () => 0, add: (n: number) => n + 1, serdes: counts }),
            ),
          'TOPOLOGY_UNNAMED_STATEFUL_NODE',
          'sub/aggregate',
        );
      });

      it(`refuses a process node with ${label}`, () => {
        expectTopologyError(
          (t) => t.subTopology('sub', (s) => s.stream('in', { serdes: strings, name: 'in' }).process({ name, process: () => undefined })),
          'TOPOLOGY_UNNAMED_STATEFUL_NODE',
          'sub/process',
        );
      });
    }

    it('names stateless nodes <kind>-<n> when they have no name', () => {
      const topology = defineTopology('app', (t) =>
        t.subTopology('sub', (s) =>
          s
            .stream('in', { serdes: strings, name: 'in' })
            .map((r) => r)
            .filter(() => true)
            .to('out', { serdes: strings }),
        ),
      );
      assert.deepEqual(topology.subTopology('sub').nodes.map((n) => n.name), ['in', 'map-1', 'filter-2', 'sink-3']);
    });
  });

  describe('durations and partitions', () => {
    it('refuses an invalid dedupe retention with a TopologyError naming the node', () => {
      // Today parseDuration's plain StreamsError (code INVALID_DURATION, no `node`) escapes defineTopology.
      for (const retention of ['forever', '7 days', '-1d', -5, Number.NaN]) {
        expectTopologyError(
          (t) =>
            t.subTopology('sub', (s) =>
              s
                .stream<string, string>('in', { serdes: strings, name: 'in' })
                .dedupe({ name: 'once', id: (r) => r.value, retention })
                .to('out', { serdes: strings }),
            ),
          'TOPOLOGY_BAD_DURATION',
          'once',
        );
      }
    });

    it('accepts the retention forms of parseDuration', () => {
      for (const retention of ['7d', '12h', '30s', '250ms', '1.5m', 1000, 0]) {
        assert.doesNotThrow(() =>
          defineTopology('app', (t) =>
            t.subTopology('sub', (s) =>
              s
                .stream<string, string>('in', { serdes: strings, name: 'in' })
                .dedupe({ name: 'once', id: (r) => r.value, retention })
                .to('out', { serdes: strings }),
            ),
          ),
        );
      }
    });

    for (const partitions of [0, -1, 1.5]) {
      it(`refuses ${partitions} as the topology's partition count`, () => {
        expectTopologyError((t) => t.subTopology('sub', passThrough('in', 'out')), 'TOPOLOGY_BAD_PARTITIONS', 'app', { partitions });
      });
    }

    it('refuses a declared topic whose partition count is not a positive integer, naming the topic', () => {
      // Today t.topic('in', { partitions: 0 }) builds a topology with no task at all for `sub`.
      for (const partitions of [0, -1, 1.5]) {
        expectTopologyError(
          (t) => {
            t.topic('in', { partitions });
            t.subTopology('sub', passThrough('in', 'out'));
          },
          'TOPOLOGY_BAD_PARTITIONS',
          'in',
        );
      }
    });
  });

  it('TopologyBuilder.build() validates as defineTopology does', () => {
    const builder = new TopologyBuilder('app');
    builder.subTopology('empty', () => undefined);
    assert.throws(() => builder.build(), (err: unknown) => err instanceof TopologyError && err.code === 'TOPOLOGY_NO_SOURCE' && err.node === 'empty');
  });
});
