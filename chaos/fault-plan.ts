/**
 * When the faults strike, drawn from the seed: task kills (a quarter of them, rounded, on a wiped state dir) at
 * random times over the production window, broker kills spread evenly over it (each with a random outage before
 * the restart), stalls early enough that the run goes on well past them. Targets are drawn when a fault strikes,
 * among the tasks not already being killed or stalled.
 */
import { Prng } from './prng';

export type Fault =
  | { at: number; kind: 'task-kill'; wipe: boolean }
  | { at: number; kind: 'broker-kill'; outageMs: number }
  | { at: number; kind: 'stall'; ms: number };

export function planFaults(o: { kills: number; brokerKills: number; stalls: number; stallMs: number }, windowMs: number, rand: Prng): Fault[] {
  const faults: Fault[] = [];
  const wiped = new Set(rand.sample(o.kills, Math.round(o.kills / 4)));
  for (let i = 0; i < o.kills; i++) faults.push({ at: Math.round(windowMs * (0.05 + 0.9 * rand.next())), kind: 'task-kill', wipe: wiped.has(i) });
  for (let i = 0; i < o.brokerKills; i++) {
    const slot = windowMs / o.brokerKills;
    faults.push({ at: Math.round(slot * i + slot * (0.3 + 0.4 * rand.next())), kind: 'broker-kill', outageMs: rand.int(1_000, 8_000) });
  }
  for (let i = 0; i < o.stalls; i++) faults.push({ at: Math.round(windowMs * (0.05 + 0.55 * rand.next())), kind: 'stall', ms: o.stallMs });
  return faults.sort((a, b) => a.at - b.at);
}
