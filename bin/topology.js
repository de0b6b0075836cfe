#!/usr/bin/env node
// The `topology` command. It runs the compiled CLI in dist/ (built by `npm run build`, and by `npm ci` through the
// "prepare" script), which starts in a fraction of the time the TypeScript sources take through tsx. When dist/ is
// missing or older than a source file under src/ or topology/ (an edit since the last build), it runs the sources
// through tsx instead and says so in one line on stderr. tsx is otherwise loaded only to import a topology file
// written in TypeScript (`--topology my-topology.ts`).
'use strict';
const { readdirSync, statSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const compiled = join(root, 'dist', 'src', 'cli', 'main.js');

/** The latest modification time of a TypeScript file under `dir` (0 when there is none). */
function newestSource(dir) {
  let newest = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** Why dist/ cannot be used, or undefined when it is up to date. */
function staleReason() {
  let built;
  try {
    built = statSync(compiled).mtimeMs;
  } catch {
    return 'dist/ is not built';
  }
  if (process.env.TOPOLOGY_FROM_SOURCE === '1') return 'TOPOLOGY_FROM_SOURCE=1';
  const source = Math.max(newestSource(join(root, 'src')), newestSource(join(root, 'topology')));
  return source > built ? 'dist/ is older than the sources' : undefined;
}

const reason = staleReason();
if (reason === undefined) {
  require(compiled).main(process.argv.slice(2));
} else {
  if (reason !== 'TOPOLOGY_FROM_SOURCE=1') {
    process.stderr.write(`topology: ${reason}; running the TypeScript sources through tsx (slower start; \`npm run build\` makes dist/)\n`);
  }
  require('tsx/cjs');
  require('../src/cli/main.ts').main(process.argv.slice(2));
}
