/**
 * `bin/topology.js` runs the compiled dist/ (what `npm ci` builds through "prepare"), loads tsx only for a
 * TypeScript topology file it is given, and falls back to the sources through tsx, saying so, when dist/ is missing
 * or older than them. Checked on a copy of the package built the way `npm run build` builds it.
 */
import { strict as assert } from 'node:assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { wallet } from '../../topology/wallet/topology';

const ROOT = join(__dirname, '..', '..');

describe('the compiled CLI (dist/)', function () {
  this.timeout(180_000);
  let pkg: string;

  before(() => {
    pkg = mkdtempSync(join(tmpdir(), 'topology-dist-'));
    for (const entry of ['src', 'topology', 'schemas', 'bin', 'package.json', 'tsconfig.json', 'tsconfig.build.json']) cpSync(join(ROOT, entry), join(pkg, entry), { recursive: true });
    mkdirSync(join(pkg, 'test', 'fixtures'), { recursive: true });
    cpSync(join(ROOT, 'test', 'fixtures', 'greeting-topology.ts'), join(pkg, 'test', 'fixtures', 'greeting-topology.ts'));
    symlinkSync(join(ROOT, 'node_modules'), join(pkg, 'node_modules'), 'dir');
    execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: pkg, stdio: 'pipe' });
  });

  after(() => rmSync(pkg, { recursive: true, force: true }));

  /** Runs the copy's `topology` and reports whether tsx was loaded in that process. */
  function run(args: string[], env: Record<string, string> = {}) {
    const probe = [
      `process.argv = [process.argv[0], 'topology', ...${JSON.stringify(args)}];`,
      `process.on('exit', () => process.stderr.write('tsx loaded: ' + Object.keys(require.cache).some((k) => k.includes('/node_modules/tsx/')) + '\\n'));`,
      `require(${JSON.stringify(join(pkg, 'bin', 'topology.js'))});`,
    ].join('\n');
    const { TOPOLOGY_FROM_SOURCE: _, ...base } = process.env;
    const out = spawnSync(process.execPath, ['-e', probe], { cwd: pkg, encoding: 'utf8', env: { ...base, ...env } });
    const tsx = /tsx loaded: (true|false)\n$/.exec(out.stderr);
    assert.ok(tsx, out.stderr);
    return { status: out.status, stdout: out.stdout, stderr: out.stderr.slice(0, tsx.index), tsx: tsx[1] === 'true' };
  }

  it('runs the default topology (the wallet) from dist/ without loading tsx', () => {
    const out = run(['describe']);
    assert.equal(out.status, 0, out.stderr);
    assert.equal(out.stdout, wallet.describe());
    assert.equal(out.stderr, '');
    assert.equal(out.tsx, false);
    // The wallet's own commands come along (its cli plugin, compiled).
    assert.match(run(['--help']).stdout, /topology serve /);
  });

  it('loads tsx for a TypeScript topology file, whose imports of the package sources share the compiled library', () => {
    const out = run(['hello', 'Ann', '--topology', join(pkg, 'test', 'fixtures', 'greeting-topology.ts')]);
    assert.equal(out.status, 0, out.stderr);
    assert.equal(out.stdout, 'hello Ann from greeting (partitions 3, brokers localhost:9092)\n');
    assert.equal(out.tsx, true);
  });

  it('falls back to the sources through tsx, with a one-line hint, when dist/ is older than a source', () => {
    const main = join(pkg, 'dist', 'src', 'cli', 'main.js');
    const past = new Date(Date.now() - 3_600_000);
    utimesSync(main, past, past);
    try {
      const out = run(['describe']);
      assert.equal(out.status, 0, out.stderr);
      assert.equal(out.stdout, wallet.describe());
      assert.equal(out.stderr, 'topology: dist/ is older than the sources; running the TypeScript sources through tsx (slower start; `npm run build` makes dist/)\n');
      assert.equal(out.tsx, true);
    } finally {
      const now = new Date();
      utimesSync(main, now, now);
    }
    assert.equal(run(['describe']).tsx, false, 'fresh again');
  });

  it('TOPOLOGY_FROM_SOURCE=1 runs the sources without a hint', () => {
    const out = run(['describe', '--format', 'mermaid'], { TOPOLOGY_FROM_SOURCE: '1' });
    assert.equal(out.status, 0, out.stderr);
    assert.equal(out.stdout, wallet.toMermaid());
    assert.equal(out.stderr, '');
    assert.equal(out.tsx, true);
  });
});
