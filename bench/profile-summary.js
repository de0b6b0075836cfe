#!/usr/bin/env node
/**
 * Summarizes a V8 .cpuprofile (from `node --cpu-prof`): self time per function and per package, top N.
 * Usage: node bench/profile-summary.js FILE.cpuprofile [N]
 */
const fs = require('node:fs');
const [file, topArg] = process.argv.slice(2);
const top = Number(topArg ?? 25);
const prof = JSON.parse(fs.readFileSync(file, 'utf8'));
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const self = new Map();
const dt = prof.timeDeltas;
for (let i = 0; i < prof.samples.length; i++) self.set(prof.samples[i], (self.get(prof.samples[i]) ?? 0) + (dt[i] ?? 0));
const total = [...self.values()].reduce((a, b) => a + b, 0);
const fnTotals = new Map();
const pkgTotals = new Map();
for (const [id, us] of self) {
  const { callFrame: cf } = byId.get(id);
  const where = cf.url.replace(/^file:\/\//, '');
  const pkg = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(where)?.[1] ?? (where.includes('/src/') ? `src/${where.split('/src/')[1].split('/')[0]}` : where ? (where.startsWith('node:') ? 'node-internal' : 'other') : `(${cf.functionName || 'native'})`);
  const fn = `${cf.functionName || '(anonymous)'} ${where.split('/').slice(-2).join('/')}:${cf.lineNumber + 1}`;
  fnTotals.set(fn, (fnTotals.get(fn) ?? 0) + us);
  pkgTotals.set(pkg, (pkgTotals.get(pkg) ?? 0) + us);
}
const pct = (us) => `${((100 * us) / total).toFixed(1).padStart(5)}%`;
console.log(`total ${(total / 1e6).toFixed(2)} s sampled`);
console.log('-- by package/folder');
for (const [k, v] of [...pkgTotals].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(v)}  ${k}`);
console.log('-- by function (self)');
for (const [k, v] of [...fnTotals].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(v)}  ${k}`);

// Inclusive time of the functions whose "name file:line" matches INCLUSIVE (a regex), e.g. INCLUSIVE='batch|commit'.
if (process.env.INCLUSIVE) {
  const match = new RegExp(process.env.INCLUSIVE);
  const children = new Map(prof.nodes.map((n) => [n.id, n.children ?? []]));
  const inclusive = new Map();
  const totalOf = (id) => {
    if (inclusive.has(id)) return inclusive.get(id);
    let t = self.get(id) ?? 0;
    for (const c of children.get(id)) t += totalOf(c);
    inclusive.set(id, t);
    return t;
  };
  const byName = new Map();
  const walk = (id, active) => {
    const { callFrame: cf } = byId.get(id);
    const name = `${cf.functionName || '(anonymous)'} ${cf.url.split('/').slice(-2).join('/')}:${cf.lineNumber + 1}`;
    const counted = match.test(name) && !active.has(name);
    if (counted) byName.set(name, (byName.get(name) ?? 0) + totalOf(id));
    const next = counted ? new Set([...active, name]) : active;
    for (const c of children.get(id)) walk(c, next);
  };
  walk(prof.nodes[0].id, new Set());
  console.log(`-- inclusive (${process.env.INCLUSIVE})`);
  for (const [k, v] of [...byName].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(v)}  ${k}`);
}
