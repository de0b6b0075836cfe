/**
 * The task assignor of group-managed mode: a pure function from what every instance reports when it joins (what it
 * ran, how warm its local state is) to which tasks each instance runs as active and which it keeps warm as standby.
 * The group leader runs it; Kafka's group protocol only carries its input and output (see the encode/decode helpers).
 *
 * Rules, and why:
 * - Every task has exactly one active instance, and a task's standbys (min(standbys, instances - 1) of them) sit on
 *   distinct instances other than its active: a second copy on the same instance would not survive that instance.
 * - Balance: active counts differ by at most 1 (every instance does a fair share of the processing); total load
 *   (active + standby) is then evened out by moving standbys, which cost less to move than actives. Tasks of one
 *   sub-topology (the id before its last '-') are spread over instances when it costs nothing, so one instance does
 *   not end up with every accountant task while another has every payment task. Balance wins over that spread.
 * - Sticky: a task stays with its previous active instance while that instance is still there and balance allows,
 *   because every move costs a handover (commit, close, fence, restore). A rebalance moves only what it must.
 * - Warm state (KIP-441): a task that must move, or whose owner is gone, goes preferably to an instance that is
 *   caught up for it (lag <= acceptableRecoveryLag when the changelog ends are known, else the highest reported
 *   offsets), typically its previous standby: failover then restores only the tail. Among equally warm instances:
 *   fewer tasks of the same sub-topology, fewer tasks, then instanceId order. Warmth never overrides balance (an
 *   instance at its fair share takes no more), nor stickiness (a task is not moved just to a warmer instance).
 * - Standbys: previous standbys are kept (they are already warm); missing ones go to instances that already hold
 *   the task's state (previous standby or any taskOffsets), then to the least loaded.
 * - Edge cases: no instances -> empty map; one instance -> all active, no standbys; more instances than tasks -> some
 *   get nothing. Duplicate task ids are ignored, previous tasks not in `tasks` are dropped, and reports sharing an
 *   instanceId are merged.
 * - Deterministic: tasks and instances are sorted and every tie ends on an id, so equal input (in any order) gives
 *   equal output on every leader.
 */
import { StreamsError } from '../core/errors/streams-error';

/** What one instance (process) reports when it joins: who it is, what it ran, and how warm its local state is. */
export interface InstanceReport {
  /** Stable per process for its lifetime (the assignor's tiebreak and the key of the result). */
  instanceId: string;
  /** Task ids it ran as active at the previous assignment (empty for a new instance). */
  previousActive: string[];
  /** Task ids it kept as standby at the previous assignment. */
  previousStandby: string[];
  /**
   * For each task whose state this instance holds on disk: how far that state has read the task's changelogs (the sum
   * of its checkpoint's changelog offsets). Absent: no local state for that task.
   */
  taskOffsets: Record<string, number>;
}

export interface TaskAssignment {
  active: string[];
  standby: string[];
}

export interface AssignmentInput {
  /** Every task id of the topology, e.g. ['payment-0', 'payment-1', 'accountant-0', 'accountant-1']. */
  tasks: string[];
  instances: InstanceReport[];
  /** Warm copies per task on other instances (--standbys N); capped by instances - 1. */
  standbys: number;
  /**
   * Per task, the end of its changelogs (sum of end offsets), when known: lag = end - taskOffsets[task]. An instance
   * whose lag for a task is at most `acceptableRecoveryLag` counts as caught up (KIP-441).
   */
  taskEnds?: Record<string, number>;
  /** Default 10_000 records. */
  acceptableRecoveryLag?: number;
}

const DEFAULT_ACCEPTABLE_RECOVERY_LAG = 10_000;

/** One instance while it is being assigned: its (merged, filtered) report and what it has got so far. */
interface Member {
  id: string;
  previousActive: Set<string>;
  previousStandby: Set<string>;
  offsets: Map<string, number>;
  active: Set<string>;
  standby: Set<string>;
}

/** instanceId -> its tasks. Every instance of the input appears (possibly with nothing). Deterministic for equal input. */
export function assignTasks(input: AssignmentInput): Map<string, TaskAssignment> {
  const tasks = [...new Set(input.tasks)].sort(compareStrings);
  const members = toMembers(input.instances, new Set(tasks));
  const warmth = warmthOf(tasks, members, input.taskEnds ?? {}, input.acceptableRecoveryLag ?? DEFAULT_ACCEPTABLE_RECOVERY_LAG);
  if (members.length > 0) {
    assignActives(tasks, members, warmth);
    const standbys = Math.max(0, Math.min(Math.floor(input.standbys) || 0, members.length - 1));
    if (standbys > 0) assignStandbys(tasks, members, standbys, warmth);
  }
  const result = new Map<string, TaskAssignment>();
  for (const m of members) result.set(m.id, { active: [...m.active].sort(compareStrings), standby: [...m.standby].sort(compareStrings) });
  return result;
}

/**
 * Actives. Phase 1 keeps each instance's previous tasks up to its fair share: `base` = floor(tasks / instances) for
 * everyone, and the `tasks % instances` extra slots go to instances that had more than `base` (so they keep one more
 * instead of moving it). Phase 2 places the rest on the warmest instance that still has room; an instance has room
 * below `base`, or at `base` while extra slots remain. Then every instance ends at base or base + 1.
 */
function assignActives(tasks: string[], members: Member[], warmth: Warmth): void {
  const base = Math.floor(tasks.length / members.length);
  let extraSlots = tasks.length % members.length;

  // A task two instances claim (a zombie, or a stale report) stays with the warmer claimant.
  const claimant = new Map<string, Member>();
  for (const t of tasks) {
    const claimants = members.filter((m) => m.previousActive.has(t));
    if (claimants.length > 0) claimant.set(t, best(claimants, (m) => [-warmth.key(m, t), m.id]));
  }

  const keepOrders = new Map(members.map((m) => [m, keepOrder(tasks.filter((t) => claimant.get(t) === m), m, members, warmth)]));
  for (const m of members) for (const t of keepOrders.get(m)!.slice(0, base)) m.active.add(t);
  for (const m of members) {
    const order = keepOrders.get(m)!;
    if (extraSlots > 0 && order.length > base) {
      m.active.add(order[base]);
      extraSlots--;
    }
  }

  const hasRoom = (m: Member) => m.active.size < base || (m.active.size === base && extraSlots > 0);
  // Tasks with warm state somewhere go first, so a cold task does not take the room its warm instance had.
  const unassigned = tasks.filter((t) => !members.some((m) => m.active.has(t)));
  const isWarmSomewhere = (t: string) => members.some((m) => warmth.key(m, t) >= 0);
  unassigned.sort((a, b) => Number(isWarmSomewhere(b)) - Number(isWarmSomewhere(a)) || compareStrings(a, b));
  for (const t of unassigned) {
    const m = best(members.filter(hasRoom), (c) => [-warmth.key(c, t), sameSubTopology(c.active, t), c.active.size, c.id]);
    m.active.add(t);
    if (m.active.size === base + 1) extraSlots--;
  }
}

/**
 * The order in which an instance keeps its previous tasks when it had more than its share: first those no other
 * instance is caught up for (moving them would mean a long restore), alternating sub-topologies, then by id.
 */
function keepOrder(mine: string[], m: Member, members: Member[], warmth: Warmth): string[] {
  const cheapToMove = (t: string) => members.some((o) => o !== m && warmth.caughtUp(o, t));
  const order: string[] = [];
  const rest = new Set(mine);
  while (rest.size > 0) {
    const next = best([...rest], (t) => [Number(cheapToMove(t)), sameSubTopology(order, t), t]);
    order.push(next);
    rest.delete(next);
  }
  return order;
}

/**
 * Standbys. Phase 1 keeps previous standbys (at most `count` per task, warmest first). Phase 2 fills the missing ones
 * round by round (every task's first standby before any task's second, which spreads them), preferring instances
 * under the fair total load, then warm state, then the least loaded. Phase 3 evens the total load out: while one
 * instance carries at least 2 more than another, move a standby over (directly or along a chain, see
 * findLoadChain); each chain lowers the sum of squared loads, so this ends. A balanced previous assignment is a
 * fixed point of all three phases: nothing moves.
 */
function assignStandbys(tasks: string[], members: Member[], count: number, warmth: Warmth): void {
  const load = (m: Member) => m.active.size + m.standby.size;
  const holds = (m: Member, t: string) => m.active.has(t) || m.standby.has(t);
  const fairLoad = Math.ceil((tasks.length * (count + 1)) / members.length);

  for (const t of tasks) {
    const previous = members.filter((m) => m.previousStandby.has(t) && !m.active.has(t));
    previous.sort((a, b) => compareKeys([-warmth.key(a, t), a.id], [-warmth.key(b, t), b.id]));
    for (const m of previous.slice(0, count)) m.standby.add(t);
  }

  for (let round = 1; round <= count; round++) {
    for (const t of tasks) {
      if (members.filter((m) => m.standby.has(t)).length >= round) continue;
      // count <= members - 1, so at least one instance does not hold t yet.
      const m = best(
        members.filter((c) => !holds(c, t)),
        (c) => [Number(load(c) >= fairLoad), -warmth.key(c, t), load(c), sameSubTopology(c.standby, t), c.id],
      );
      m.standby.add(t);
    }
  }

  for (;;) {
    const chain = findLoadChain(members, load, holds, warmth);
    if (!chain) return;
    for (const { from, to, task } of chain) {
      from.standby.delete(task);
      to.standby.add(task);
    }
  }
}

interface Move {
  from: Member;
  to: Member;
  task: string;
}

/**
 * A chain of standby moves from an instance to one at least 2 lighter: heavy -> x -> ... -> light, each step moving
 * a standby its target does not hold yet, so only the two ends change load. A direct move is the chain of one; a
 * longer chain is needed when every standby of the heavy instance is already on the light one (e.g. as its active).
 * Breadth-first from the heaviest instances, over instances in id order: the shortest chain, deterministically.
 */
function findLoadChain(
  members: Member[],
  load: (m: Member) => number,
  holds: (m: Member, t: string) => boolean,
  warmth: Warmth,
): Move[] | undefined {
  const heaviest = [...members].sort((a, b) => load(b) - load(a) || compareStrings(a.id, b.id));
  for (const start of heaviest) {
    const reachedBy = new Map<Member, Move | undefined>([[start, undefined]]);
    const queue = [start];
    for (let i = 0; i < queue.length; i++) {
      const from = queue[i];
      for (const to of members) {
        if (reachedBy.has(to)) continue;
        const movable = [...from.standby].filter((t) => !holds(to, t));
        if (movable.length === 0) continue;
        reachedBy.set(to, { from, to, task: best(movable, (t) => [-warmth.key(to, t), t]) });
        queue.push(to);
      }
    }
    const end = best(queue, (m) => [load(m), m.id]);
    if (load(start) - load(end) < 2) continue;
    const chain: Move[] = [];
    for (let move = reachedBy.get(end); move; move = reachedBy.get(move.from)) chain.unshift(move);
    return chain;
  }
  return undefined;
}

interface Warmth {
  /** Whether this instance can take the task over and restore only a short tail. */
  caughtUp(m: Member, task: string): boolean;
  /** Higher is warmer: Infinity when caught up, else the offsets it holds (0 if it held the task without reporting them), -1 for nothing. */
  key(m: Member, task: string): number;
}

function warmthOf(tasks: string[], members: Member[], ends: Record<string, number>, acceptableLag: number): Warmth {
  const level = (m: Member, t: string): number | undefined =>
    m.offsets.get(t) ?? (m.previousActive.has(t) || m.previousStandby.has(t) ? 0 : undefined);
  const highest = new Map<string, number>();
  for (const t of tasks) {
    const levels = members.map((m) => level(m, t)).filter((l): l is number => l !== undefined);
    if (levels.length > 0) highest.set(t, Math.max(...levels));
  }
  const caughtUp = (m: Member, t: string): boolean => {
    const end = ends[t];
    // With a known end, no local state means restoring the whole changelog: lag = end (KIP-441 does the same).
    if (Number.isFinite(end)) return end - (m.offsets.get(t) ?? 0) <= acceptableLag;
    const l = level(m, t);
    return l !== undefined && l >= highest.get(t)!;
  };
  return { caughtUp, key: (m, t) => (caughtUp(m, t) ? Infinity : (level(m, t) ?? -1)) };
}

/** One member per distinct instanceId, sorted; previous tasks not in `known` dropped; duplicate reports merged. */
function toMembers(reports: InstanceReport[], known: Set<string>): Member[] {
  const byId = new Map<string, Member>();
  for (const r of reports) {
    let m = byId.get(r.instanceId);
    if (!m) {
      m = { id: r.instanceId, previousActive: new Set(), previousStandby: new Set(), offsets: new Map(), active: new Set(), standby: new Set() };
      byId.set(r.instanceId, m);
    }
    for (const t of r.previousActive) if (known.has(t)) m.previousActive.add(t);
    for (const t of r.previousStandby) if (known.has(t)) m.previousStandby.add(t);
    for (const [t, offset] of Object.entries(r.taskOffsets)) {
      if (known.has(t) && Number.isFinite(offset)) m.offsets.set(t, Math.max(offset, m.offsets.get(t) ?? -Infinity));
    }
  }
  // A task both ran and kept as standby (only a bad report says so) counts as ran.
  for (const m of byId.values()) for (const t of m.previousActive) m.previousStandby.delete(t);
  return [...byId.values()].sort((a, b) => compareStrings(a.id, b.id));
}

/** How many of `held` belong to the sub-topology of `task` (the id before its last '-'). */
function sameSubTopology(held: Iterable<string>, task: string): number {
  const sub = subTopologyOf(task);
  let n = 0;
  for (const t of held) if (subTopologyOf(t) === sub) n++;
  return n;
}

function subTopologyOf(task: string): string {
  const dash = task.lastIndexOf('-');
  return dash < 0 ? task : task.slice(0, dash);
}

/** The item with the smallest key, keys compared element by element (numbers as numbers, strings by code unit). */
function best<T>(items: T[], key: (item: T) => Array<number | string>): T {
  let winner = items[0];
  let winnerKey = key(winner);
  for (const item of items.slice(1)) {
    const k = key(item);
    if (compareKeys(k, winnerKey) < 0) {
      winner = item;
      winnerKey = k;
    }
  }
  return winner;
}

function compareKeys(a: Array<number | string>, b: Array<number | string>): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    const c = typeof x === 'number' && typeof y === 'number' ? (x === y ? 0 : x < y ? -1 : 1) : compareStrings(String(x), String(y));
    if (c !== 0) return c;
  }
  return 0;
}

/** Code-unit order, not locale order: every leader, whatever its locale, must sort the same way. */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// ---- Wire format: JSON with a version, for the group protocol's member metadata and assignment userData. ----

const WIRE_VERSION = 1;

export function encodeInstanceReport(r: InstanceReport): Buffer {
  return Buffer.from(
    JSON.stringify({
      version: WIRE_VERSION,
      instanceId: r.instanceId,
      previousActive: r.previousActive,
      previousStandby: r.previousStandby,
      taskOffsets: r.taskOffsets,
    }),
    'utf8',
  );
}

export function decodeInstanceReport(b: Buffer): InstanceReport {
  const what = 'instance report';
  const o = decodeVersioned(b, what);
  if (typeof o.instanceId !== 'string' || o.instanceId === '') throw badWire(what, 'instanceId is not a non-empty string');
  const offsets = o.taskOffsets;
  if (typeof offsets !== 'object' || offsets === null || Array.isArray(offsets)) throw badWire(what, 'taskOffsets is not an object');
  for (const [task, offset] of Object.entries(offsets)) {
    if (typeof offset !== 'number' || !Number.isFinite(offset)) throw badWire(what, `taskOffsets['${task}'] is not a finite number`);
  }
  return {
    instanceId: o.instanceId,
    previousActive: stringArray(o, 'previousActive', what),
    previousStandby: stringArray(o, 'previousStandby', what),
    taskOffsets: { ...(offsets as Record<string, number>) },
  };
}

export function encodeTaskAssignment(a: TaskAssignment): Buffer {
  return Buffer.from(JSON.stringify({ version: WIRE_VERSION, active: a.active, standby: a.standby }), 'utf8');
}

export function decodeTaskAssignment(b: Buffer): TaskAssignment {
  const what = 'task assignment';
  const o = decodeVersioned(b, what);
  return { active: stringArray(o, 'active', what), standby: stringArray(o, 'standby', what) };
}

function decodeVersioned(b: Buffer, what: string): Record<string, unknown> {
  if (!b || b.length === 0) throw badWire(what, 'empty buffer');
  let o: unknown;
  try {
    o = JSON.parse(b.toString('utf8'));
  } catch (e) {
    throw badWire(what, `not JSON (${b.length} bytes)`, e);
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw badWire(what, 'not a JSON object');
  const version = (o as Record<string, unknown>).version;
  if (version !== WIRE_VERSION) throw badWire(what, `unsupported version ${JSON.stringify(version)} (this build reads version ${WIRE_VERSION})`);
  return o as Record<string, unknown>;
}

function stringArray(o: Record<string, unknown>, field: string, what: string): string[] {
  const v = o[field];
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) throw badWire(what, `${field} is not an array of strings`);
  return [...v];
}

function badWire(what: string, reason: string, cause?: unknown): StreamsError {
  return new StreamsError(`cannot decode ${what}: ${reason}`, { code: 'ASSIGNMENT_DECODE_FAILED', cause });
}
