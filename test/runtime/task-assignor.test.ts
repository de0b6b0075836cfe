/**
 * The task assignor of group-managed mode, as a pure function: balance, stickiness, warm-state preference, standby
 * placement, edge cases, determinism and the wire format; then the invariants as a property over random inputs.
 */
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import {
  AssignmentInput,
  InstanceReport,
  TaskAssignment,
  assignTasks,
  decodeInstanceReport,
  decodeTaskAssignment,
  encodeInstanceReport,
  encodeTaskAssignment,
} from '../../src/runtime/task-assignor';

const WALLET_TASKS = ['payment-0', 'payment-1', 'accountant-0', 'accountant-1'];

/** The report of an instance that ran nothing and holds nothing, unless `fields` say otherwise. */
function report(instanceId: string, fields: Partial<InstanceReport> = {}): InstanceReport {
  return { instanceId, previousActive: [], previousStandby: [], taskOffsets: {}, ...fields };
}
const fresh = (...ids: string[]) => ids.map((id) => report(id));

/** The reports a finished assignment gives the next one: each instance says what it got (and, optionally, its offsets). */
function reportsOf(result: Map<string, TaskAssignment>, offsets: Record<string, Record<string, number>> = {}): InstanceReport[] {
  return [...result].map(([id, a]) => report(id, { previousActive: a.active, previousStandby: a.standby, taskOffsets: offsets[id] ?? {} }));
}

const tasksOf = (n: number, sub = 't') => Array.from({ length: n }, (_, i) => `${sub}-${i}`);
const activeCounts = (r: Map<string, TaskAssignment>) => [...r.values()].map((a) => a.active.length);
const loads = (r: Map<string, TaskAssignment>) => [...r.values()].map((a) => a.active.length + a.standby.length);
const spread = (xs: number[]) => (xs.length === 0 ? 0 : Math.max(...xs) - Math.min(...xs));
const activeOf = (r: Map<string, TaskAssignment>, task: string) => [...r].find(([, a]) => a.active.includes(task))?.[0];
const standbysOf = (r: Map<string, TaskAssignment>, task: string) => [...r].filter(([, a]) => a.standby.includes(task)).map(([id]) => id);

/** The invariants every assignment keeps, whatever its input. */
function assertValid(input: AssignmentInput, r: Map<string, TaskAssignment>): void {
  const ids = [...new Set(input.instances.map((i) => i.instanceId))].sort();
  assert.deepEqual([...r.keys()].sort(), ids, 'every instance appears, once');
  const tasks = [...new Set(input.tasks)];
  if (ids.length === 0) return;
  const wantStandbys = Math.max(0, Math.min(input.standbys, ids.length - 1));
  for (const t of tasks) {
    const actives = [...r].filter(([, a]) => a.active.includes(t)).map(([id]) => id);
    assert.equal(actives.length, 1, `${t} has exactly one active instance, got ${actives}`);
    const standbys = standbysOf(r, t);
    assert.equal(standbys.length, wantStandbys, `${t} has ${wantStandbys} standbys, got ${standbys}`);
    assert.ok(!standbys.includes(actives[0]), `${t}: standby on its own active instance`);
  }
  for (const [id, a] of r) {
    for (const t of [...a.active, ...a.standby]) assert.ok(tasks.includes(t), `${id} got unknown task ${t}`);
    assert.equal(new Set([...a.active, ...a.standby]).size, a.active.length + a.standby.length, `${id} holds a task twice`);
  }
  assert.ok(spread(activeCounts(r)) <= 1, `active counts ${activeCounts(r)} differ by more than 1`);
}

describe('task assignor', () => {
  describe('balance', () => {
    it('4 tasks over 3 instances: 2, 1, 1', () => {
      const input = { tasks: WALLET_TASKS, instances: fresh('a', 'b', 'c'), standbys: 0 };
      const r = assignTasks(input);
      assertValid(input, r);
      assert.deepEqual(activeCounts(r).sort(), [1, 1, 2]);
    });

    it('8 tasks over 3 instances: 3, 3, 2', () => {
      const input = { tasks: tasksOf(8), instances: fresh('a', 'b', 'c'), standbys: 0 };
      const r = assignTasks(input);
      assertValid(input, r);
      assert.deepEqual(activeCounts(r).sort(), [2, 3, 3]);
    });

    it('spreads each sub-topology: 2 instances get one payment and one accountant task each', () => {
      const r = assignTasks({ tasks: WALLET_TASKS, instances: fresh('a', 'b'), standbys: 0 });
      for (const [id, a] of r) {
        assert.deepEqual(a.active.map((t) => t.split('-')[0]).sort(), ['accountant', 'payment'], `${id}: ${a.active}`);
      }
    });

    it('evens the total load (active + standby) with standbys', () => {
      const input = { tasks: tasksOf(6), instances: fresh('a', 'b', 'c', 'd'), standbys: 1 };
      const r = assignTasks(input);
      assertValid(input, r);
      assert.deepEqual(loads(r).sort(), [3, 3, 3, 3]);
    });
    it('evens the total load through a chain when the heavy instance\'s standbys all sit on the light one', () => {
      // Found by the property below: greedy placement leaves loads 4, 3, 3, 2 where a's standbys (a-0, c-1) are both
      // d's actives, so no direct move helps; moving b's standby to d and one of a's to b does.
      const input = {
        tasks: ['a-0', 'a-3', 'a-4', 'b-0', 'b-1', 'c-1'],
        instances: [report('a', { previousActive: ['a-0'] }), report('b'), report('c'), report('d', { previousActive: ['a-0'], taskOffsets: { 'a-0': 1, 'c-1': 0 } })],
        standbys: 1,
      };
      const r = assignTasks(input);
      assertValid(input, r);
      assert.deepEqual(loads(r), [3, 3, 3, 3]);
    });
  });

  describe('stickiness', () => {
    it('same membership: the identical assignment', () => {
      const first = assignTasks({ tasks: tasksOf(7), instances: fresh('a', 'b', 'c'), standbys: 1 });
      const second = assignTasks({ tasks: tasksOf(7), instances: reportsOf(first), standbys: 1 });
      assert.deepEqual([...second], [...first]);
    });

    it('a new instance joins: only the minimum moves (8 tasks: 3,3,2 -> 2,2,2,2 moves 2)', () => {
      const before = assignTasks({ tasks: tasksOf(8), instances: fresh('a', 'b', 'c'), standbys: 0 });
      const after = assignTasks({ tasks: tasksOf(8), instances: [...reportsOf(before), report('d')], standbys: 0 });
      assert.deepEqual(after.get('d')!.active.length, 2);
      for (const id of ['a', 'b', 'c']) {
        for (const t of after.get(id)!.active) assert.ok(before.get(id)!.active.includes(t), `${t} moved onto ${id}`);
      }
      const moved = tasksOf(8).filter((t) => activeOf(before, t) !== activeOf(after, t));
      assert.equal(moved.length, 2);
    });

    it('an instance leaves: only its tasks move', () => {
      const before = assignTasks({ tasks: tasksOf(8), instances: fresh('a', 'b', 'c'), standbys: 0 });
      const after = assignTasks({ tasks: tasksOf(8), instances: reportsOf(before).filter((i) => i.instanceId !== 'b'), standbys: 0 });
      assert.deepEqual(activeCounts(after), [4, 4]);
      for (const t of tasksOf(8)) {
        if (activeOf(before, t) !== 'b') assert.equal(activeOf(after, t), activeOf(before, t), `${t} moved though its owner stayed`);
      }
    });

    it('keeps a task on its previous active even when another instance is warmer (no move just for warmth)', () => {
      const r = assignTasks({
        tasks: ['t-0', 't-1'],
        instances: [report('a', { previousActive: ['t-0'], taskOffsets: { 't-0': 10 } }), report('b', { previousActive: ['t-1'], taskOffsets: { 't-0': 500 } })],
        standbys: 0,
      });
      assert.equal(activeOf(r, 't-0'), 'a');
    });

    it('an instance that had too many keeps one task of each sub-topology rather than all of one', () => {
      const r = assignTasks({ tasks: WALLET_TASKS, instances: [report('a', { previousActive: WALLET_TASKS }), report('b')], standbys: 0 });
      assert.deepEqual(r.get('a')!.active, ['accountant-0', 'payment-0']);
      assert.deepEqual(r.get('b')!.active, ['accountant-1', 'payment-1']);
    });
  });

  describe('warm state', () => {
    // 7 tasks; 'dead' ran t-0 and t-6 and is gone. b, c, d keep theirs (2, 1, 2): c must get one of the orphans to
    // reach 2, and one extra slot (7 = 3 * 2 + 1) is free for whichever instance is warmest for the other.
    const TASKS = tasksOf(7);
    const survivors = (fields: Record<string, Partial<InstanceReport>> = {}) => [
      report('b', { previousActive: ['t-1', 't-2'], ...fields.b }),
      report('c', { previousActive: ['t-3'], ...fields.c }),
      report('d', { previousActive: ['t-4', 't-5'], ...fields.d }),
    ];

    it("a dead owner's task goes to its previous standby, though a less loaded instance had room", () => {
      const input = { tasks: TASKS, instances: survivors({ d: { previousStandby: ['t-0'] } }), standbys: 0 };
      const r = assignTasks(input);
      assertValid(input, r);
      assert.equal(activeOf(r, 't-0'), 'd');
      assert.equal(activeOf(r, 't-6'), 'c');
    });

    it('without changelog ends: the instance with the highest offsets for it', () => {
      const r = assignTasks({ tasks: TASKS, instances: survivors({ b: { taskOffsets: { 't-0': 50 } }, d: { taskOffsets: { 't-0': 90 } } }), standbys: 0 });
      assert.equal(activeOf(r, 't-0'), 'd');
    });

    it('with changelog ends: every instance within acceptableRecoveryLag is caught up, and then the less loaded wins', () => {
      const offsets = { c: { taskOffsets: { 't-0': 95_000 } }, d: { taskOffsets: { 't-0': 100_000 } } };
      const taskEnds = { 't-0': 100_000 };
      assert.equal(activeOf(assignTasks({ tasks: TASKS, instances: survivors(offsets), standbys: 0, taskEnds }), 't-0'), 'c');
      // A tighter bound leaves only d caught up.
      assert.equal(activeOf(assignTasks({ tasks: TASKS, instances: survivors(offsets), standbys: 0, taskEnds, acceptableRecoveryLag: 1_000 }), 't-0'), 'd');
    });

    it('balance wins over warmth: a warm instance at its fair share takes no more', () => {
      // 4 tasks over b and c: 2 each. b keeps its two, so t-0 goes to the cold c though b was its standby.
      const r = assignTasks({
        tasks: tasksOf(4),
        instances: [report('b', { previousActive: ['t-1', 't-2'], previousStandby: ['t-0'] }), report('c', { previousActive: ['t-3'] })],
        standbys: 0,
      });
      assert.equal(activeOf(r, 't-0'), 'c');
    });

    it('a warm orphan is placed before a cold one, so the cold one does not take its warm instance', () => {
      // b and c have room for one each; t-0 is cold everywhere, t-1 is warm on b.
      const r = assignTasks({
        tasks: tasksOf(4),
        instances: [report('b', { previousActive: ['t-2'], taskOffsets: { 't-1': 7 } }), report('c', { previousActive: ['t-3'] })],
        standbys: 0,
      });
      assert.equal(activeOf(r, 't-1'), 'b');
      assert.equal(activeOf(r, 't-0'), 'c');
    });
  });

  describe('standby placement', () => {
    it('never with its active, on distinct instances, capped by instances - 1', () => {
      const input = { tasks: WALLET_TASKS, instances: fresh('a', 'b', 'c'), standbys: 5 };
      const r = assignTasks(input);
      assertValid(input, r); // checks 2 standbys per task, distinct, none on the active
      for (const t of WALLET_TASKS) assert.equal(standbysOf(r, t).length, 2);
    });

    // a..d each ran one of t-0..t-3; `extra` adds what some of them hold besides.
    const ranOne = (extra: Record<string, Partial<InstanceReport>>) =>
      ['a', 'b', 'c', 'd'].map((id, i) => report(id, { previousActive: [`t-${i}`], ...extra[id] }));

    it('prefers an instance that holds the task state', () => {
      const r = assignTasks({ tasks: tasksOf(4), instances: ranOne({ d: { taskOffsets: { 't-0': 1_234 } } }), standbys: 1 });
      assert.deepEqual(standbysOf(r, 't-0'), ['d']);
    });

    it('keeps a previous standby, though another instance holds more of that task', () => {
      const instances = ranOne({ c: { previousStandby: ['t-1'], taskOffsets: { 't-1': 900 } }, d: { taskOffsets: { 't-1': 1_000 } } });
      assert.deepEqual(standbysOf(assignTasks({ tasks: tasksOf(4), instances, standbys: 1 }), 't-1'), ['c']);
    });

    it('on failover promotes the standby and places a new standby elsewhere', () => {
      const before = assignTasks({ tasks: tasksOf(6), instances: fresh('a', 'b', 'c'), standbys: 1 });
      const lost = before.get('a')!.active;
      const input = { tasks: tasksOf(6), instances: reportsOf(before).filter((i) => i.instanceId !== 'a'), standbys: 1 };
      const after = assignTasks(input);
      assertValid(input, after);
      for (const t of lost) assert.equal(activeOf(after, t), standbysOf(before, t)[0], `${t} promoted to its standby`);
    });

    it('one instance: every task active, no standby whatever --standbys says', () => {
      const r = assignTasks({ tasks: WALLET_TASKS, instances: fresh('solo'), standbys: 2 });
      assert.deepEqual([...r], [['solo', { active: [...WALLET_TASKS].sort(), standby: [] }]]);
    });
  });

  describe('edge cases', () => {
    it('no instances: an empty map', () => {
      assert.equal(assignTasks({ tasks: WALLET_TASKS, instances: [], standbys: 1 }).size, 0);
    });

    it('more instances than tasks: some get nothing, all appear', () => {
      const input = { tasks: ['t-0', 't-1'], instances: fresh('a', 'b', 'c', 'd', 'e'), standbys: 0 };
      const r = assignTasks(input);
      assertValid(input, r);
      assert.deepEqual(activeCounts(r).sort(), [0, 0, 0, 1, 1]);
    });

    it('no tasks: every instance with nothing', () => {
      const r = assignTasks({ tasks: [], instances: fresh('a', 'b'), standbys: 1 });
      assert.deepEqual([...r.values()], [{ active: [], standby: [] }, { active: [], standby: [] }]);
    });

    it('ignores duplicate task ids and previous tasks the topology no longer has', () => {
      const a = report('a', { previousActive: ['old-3', 't-1'], previousStandby: ['old-4'], taskOffsets: { 'old-3': 9 } });
      const input = { tasks: ['t-0', 't-1', 't-0'], instances: [a], standbys: 0 };
      const r = assignTasks(input);
      assertValid(input, r);
      assert.deepEqual(r.get('a'), { active: ['t-0', 't-1'], standby: [] });
    });

    it('a task claimed by two instances stays with the warmer one', () => {
      const r = assignTasks({
        tasks: ['t-0', 't-1'],
        instances: [report('a', { previousActive: ['t-0'], taskOffsets: { 't-0': 5 } }), report('b', { previousActive: ['t-0'], taskOffsets: { 't-0': 8 } })],
        standbys: 0,
      });
      assert.equal(activeOf(r, 't-0'), 'b');
      assert.equal(activeOf(r, 't-1'), 'a');
    });
  });

  it('is deterministic: shuffled instances and tasks give the same result', () => {
    const instances = [
      report('c', { previousActive: ['t-1'], taskOffsets: { 't-4': 3 } }),
      report('a', { previousStandby: ['t-1'] }),
      report('e'),
      report('b', { previousActive: ['t-2', 't-3', 't-4'] }),
    ];
    const tasks = tasksOf(9);
    const expected = [...assignTasks({ tasks, instances, standbys: 1 })];
    for (let seed = 1; seed <= 5; seed++) {
      const shuffle = <T>(xs: T[]) => xs.map((x, i) => ({ x, k: (i * 7919 * seed) % 13 })).sort((p, q) => p.k - q.k).map((p) => p.x);
      assert.deepEqual([...assignTasks({ tasks: shuffle(tasks), instances: shuffle(instances), standbys: 1 })], expected);
    }
  });

  describe('wire format', () => {
    it('round-trips an instance report and a task assignment', () => {
      const r = report('host-1:4711', { previousActive: ['payment-0'], previousStandby: ['accountant-1'], taskOffsets: { 'payment-0': 42, 'accountant-1': 7 } });
      assert.deepEqual(decodeInstanceReport(encodeInstanceReport(r)), r);
      const a = { active: ['payment-0', 'payment-1'], standby: ['accountant-0'] };
      assert.deepEqual(decodeTaskAssignment(encodeTaskAssignment(a)), a);
      assert.equal(JSON.parse(encodeTaskAssignment(a).toString()).version, 1);
    });

    it('rejects garbage with a clear error', () => {
      const decodeError = (what: string, reason: RegExp) => (e: unknown) =>
        e instanceof Error && (e as { code?: string }).code === 'ASSIGNMENT_DECODE_FAILED' && e.message.startsWith(`cannot decode ${what}`) && reason.test(e.message);
      assert.throws(() => decodeInstanceReport(Buffer.from([0xde, 0xad, 0xbe, 0xef])), decodeError('instance report', /not JSON/));
      assert.throws(() => decodeInstanceReport(Buffer.alloc(0)), decodeError('instance report', /empty/));
      assert.throws(() => decodeTaskAssignment(Buffer.from('{"version":2,"active":[],"standby":[]}')), decodeError('task assignment', /unsupported version 2/));
      assert.throws(() => decodeTaskAssignment(Buffer.from('{"version":1,"active":[1]}')), decodeError('task assignment', /active is not an array of strings/));
      assert.throws(
        () => decodeInstanceReport(Buffer.from('{"version":1,"instanceId":"a","previousActive":[],"previousStandby":[],"taskOffsets":{"t-0":"x"}}')),
        decodeError('instance report', /taskOffsets\['t-0'\]/),
      );
    });
  });

  describe('as a property', () => {
    const UNIVERSE = ['a-0', 'a-1', 'a-2', 'a-3', 'a-4', 'b-0', 'b-1', 'b-2', 'c-0', 'c-1', 'c-2', 'c-3', 'gone-0'];
    const offsetsArb = fc.dictionary(fc.constantFrom(...UNIVERSE), fc.nat({ max: 1_000 }), { maxKeys: 6 });
    const inputArb: fc.Arbitrary<AssignmentInput> = fc.record({
      tasks: fc.subarray(UNIVERSE.filter((t) => t !== 'gone-0')),
      instances: fc
        .array(fc.record({ previousActive: fc.subarray(UNIVERSE), previousStandby: fc.subarray(UNIVERSE), taskOffsets: offsetsArb }), { maxLength: 6 })
        .map((xs) => xs.map((x, i) => ({ instanceId: `i${i}`, ...x }))),
      standbys: fc.nat({ max: 4 }),
      taskEnds: fc.option(offsetsArb, { nil: undefined }),
      acceptableRecoveryLag: fc.option(fc.nat({ max: 500 }), { nil: undefined }),
    });

    it('one active per task, standby rules, balanced; assigning again from the result moves nothing', () => {
      fc.assert(
        fc.property(inputArb, (input) => {
          const first = assignTasks(input);
          assertValid(input, first);
          assert.ok(spread(loads(first)) <= 1, `total loads ${loads(first)} differ by more than 1`);
          const offsets = Object.fromEntries(input.instances.map((i) => [i.instanceId, i.taskOffsets]));
          const again = assignTasks({ ...input, instances: reportsOf(first, offsets).reverse() });
          assert.deepEqual([...again], [...first]);
        }),
        { numRuns: 300 },
      );
    });
  });
});
