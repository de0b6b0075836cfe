#!/usr/bin/env node
'use strict';
// Waits until a schema registry's Confluent-compatible API answers: GET <url>/subjects must return 200 with a JSON
// array (Quarkus accepts connections before the API is up).
//
//   node scripts/registry/wait-ready.js <url> [timeoutSeconds=90] [pid]
//
// Exit 0 when ready; 1 on timeout; 2 if <pid> is given and that process died.

const fs = require('fs');

const url = (process.argv[2] || 'http://127.0.0.1:8081/apis/ccompat/v7').replace(/\/+$/, '');
const timeoutMs = Number(process.argv[3] || 90) * 1000;
const pid = process.argv[4] ? Number(process.argv[4]) : undefined;

function alive(p) {
  try {
    process.kill(p, 0);
  } catch (err) {
    if (err.code !== 'EPERM') return false;
  }
  try {
    // an exited but unreaped process (zombie) still answers kill(pid, 0)
    const stat = fs.readFileSync(`/proc/${p}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no procfs
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function probe() {
  const res = await fetch(`${url}/subjects`, { signal: AbortSignal.timeout(3000), headers: { accept: 'application/json' } });
  if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
  const body = await res.json();
  if (!Array.isArray(body)) throw new Error(`unexpected answer ${JSON.stringify(body).slice(0, 100)}`);
}

(async () => {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (pid !== undefined && !alive(pid)) {
      console.error(`registry process ${pid} exited (last probe: ${last})`);
      process.exit(2);
    }
    try {
      await probe();
      process.exit(0);
    } catch (err) {
      last = err.cause ? `${err.message} (${err.cause.code || err.cause.message})` : err.message;
    }
    await sleep(250);
  }
  console.error(`registry at ${url} not ready after ${timeoutMs / 1000}s (last probe: ${last})`);
  process.exit(1);
})();
