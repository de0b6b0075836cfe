#!/usr/bin/env node
/**
 * The library's layers only point down: a folder of src/ may import its own files and folders of a lower layer,
 * never one beside or above it (so there is no import cycle between folders either). Run by `npm test`; exits 1
 * and names every offending import. The apps under topology/ may import only the public entries (src/index.ts and
 * src/testing/index.ts), never a file inside the library.
 *
 *   core (records, errors, logger) ← serde ← state ← dsl ← runtime ← kafka | testing ← cli ← index.ts
 */
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const SRC = path.join(ROOT, 'src');
const LAYERS = [['core'], ['serde'], ['state'], ['dsl'], ['runtime'], ['kafka', 'testing'], ['cli'], ['.']];
const rank = new Map(LAYERS.flatMap((names, i) => names.map((n) => [n, i])));
const AMBIENT = new Set(['types']); // declaration files, imported by nobody

function* tsFiles(dir) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) yield* tsFiles(p);
    else if (e.name.endsWith('.ts')) yield p;
  }
}

/** The top folder of src/ a path lies in ('.' for src/index.ts), or undefined outside src/. */
function layerOf(file) {
  const rel = path.relative(SRC, file);
  if (rel.startsWith('..')) return undefined;
  const parts = rel.split(path.sep);
  // An import of a folder ('../serde', meaning src/serde/index.ts) is in that folder's layer.
  const isFolder = fs.existsSync(file) && fs.statSync(file).isDirectory();
  return parts.length === 1 && !isFolder ? '.' : parts[0];
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)/g;
const problems = [];
for (const file of tsFiles(SRC)) {
  const from = layerOf(file);
  if (AMBIENT.has(from)) continue;
  if (!rank.has(from)) problems.push(`${path.relative(ROOT, file)}: folder src/${from} has no layer (add it to scripts/check-layers.js)`);
  const text = fs.readFileSync(file, 'utf8');
  for (const m of text.matchAll(IMPORT)) {
    const spec = m[1] ?? m[2] ?? m[3];
    if (!spec.startsWith('.')) continue;
    const target = path.resolve(path.dirname(file), spec);
    const to = layerOf(target);
    const where = `${path.relative(ROOT, file)} imports '${spec}'`;
    if (to === undefined) problems.push(`${where}: outside src/ (the library must not know the apps built on it)`);
    else if (to !== from && !(rank.get(to) < rank.get(from))) problems.push(`${where}: src/${to} is not below src/${from}`);
  }
}
// The apps under topology/ use the library as its users do: through its public entries only.
const TOPOLOGY = path.join(ROOT, 'topology');
const PUBLIC = new Set([SRC, path.join(SRC, 'index'), path.join(SRC, 'testing'), path.join(SRC, 'testing', 'index')]);
for (const file of fs.existsSync(TOPOLOGY) ? tsFiles(TOPOLOGY) : []) {
  for (const m of fs.readFileSync(file, 'utf8').matchAll(IMPORT)) {
    const spec = m[1] ?? m[2] ?? m[3];
    if (!spec.startsWith('.')) continue;
    const target = path.resolve(path.dirname(file), spec).replace(/\.ts$/, '');
    if (layerOf(target) !== undefined && !PUBLIC.has(target)) {
      problems.push(`${path.relative(ROOT, file)} imports '${spec}': apps import the library's public entries only (src/index.ts, src/testing/index.ts)`);
    }
  }
}
if (problems.length > 0) {
  process.stderr.write(`layer check failed (${problems.length}):\n${problems.map((p) => `  ${p}`).join('\n')}\n`);
  process.exit(1);
}
process.stdout.write('layer check: every import in src/ points down; topology/ uses the public entries only\n');
