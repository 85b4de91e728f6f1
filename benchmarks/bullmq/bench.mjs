// BullMQ peer benchmark for the Fila Redis driver: same machine, same Redis (127.0.0.1:6379).
//
//   node bench.mjs [messages=60000] [rounds=5]     throughput: 2 warm-up + `rounds` measured rounds
//   node bench.mjs --latency [seconds=12]          latency at 1,000 jobs/s, first 2 s discarded
//
// One producer (this process) and one consumer process (worker.mjs, forked; Worker concurrency 4).
// Jobs carry a 256-character payload and are removed on complete/fail. Each run uses its own
// queue, `fila-bullmq-<random>`, and obliterates it at the end.
import { Queue } from 'bullmq';
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

const connection = { host: '127.0.0.1', port: 6379, maxRetriesPerRequest: null };
const BATCH = 100;
const WARMUP_ROUNDS = 2;
const RATE_PER_MS = 1;          // latency mode: 1 job per ms = 1,000 jobs/s
const LATENCY_DISCARD_MS = 2000;
const PAYLOAD = 'x'.repeat(256);
const JOB_OPTS = { removeOnComplete: true, removeOnFail: true };

const wallMs = () => performance.timeOrigin + performance.now();

function usage(message) {
  console.error(`${message}\nusage: node bench.mjs [messages] [rounds] | node bench.mjs --latency [seconds]`);
  process.exit(2);
}

function positiveInt(text, fallback, what) {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) usage(`${what} must be a positive integer, got '${text}'`);
  return n;
}

const args = process.argv.slice(2);
const latencyMode = args[0] === '--latency';
const messages = latencyMode ? 0 : positiveInt(args[0], 60000, 'messages');
const rounds = latencyMode ? 0 : positiveInt(args[1], 5, 'rounds');
const seconds = latencyMode ? positiveInt(args[1], 12, 'seconds') : 0;
if (latencyMode && seconds * 1000 <= LATENCY_DISCARD_MS) usage('seconds must be more than 2 (the first 2 s are discarded)');

const queueName = `fila-bullmq-${randomBytes(6).toString('hex')}`;
const queue = new Queue(queueName, { connection });

// ---- the worker process and its IPC ------------------------------------------------------------
const child = fork(new URL('./worker.mjs', import.meta.url), [queueName], { stdio: 'inherit' });
const inbox = [];
let waiter = null;
child.on('message', (msg) => {
  if (msg.type === 'error') { console.error(`worker error: ${msg.message}`); return; }
  inbox.push(msg);
  if (waiter) { const w = waiter; waiter = null; w(); }
});
child.on('exit', (code) => {
  if (!closing) { console.error(`worker process exited early (code ${code})`); cleanupAndExit(1); }
});

async function receive(type) {
  for (;;) {
    const i = inbox.findIndex((m) => m.type === type);
    if (i >= 0) return inbox.splice(i, 1)[0];
    await new Promise((resolve) => { waiter = resolve; });
  }
}

async function expect(n) {
  child.send({ type: 'expect', n });
  await receive('expecting');
}

// ---- cleanup -------------------------------------------------------------------------------------
let closing = false;
async function cleanup() {
  if (closing) return;
  closing = true;
  if (child.connected) child.send({ type: 'close' });
  await new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => { child.kill(); resolve(); }, 10000);
    child.once('exit', () => { clearTimeout(timer); resolve(); });
  });
  try { await queue.obliterate({ force: true }); } catch (e) { console.error(`obliterate failed: ${e.message}`); }
  await queue.close();
}
async function cleanupAndExit(code) {
  await cleanup();
  process.exit(code);
}
process.on('SIGINT', () => { console.error('interrupted, cleaning up'); cleanupAndExit(130); });

// ---- throughput --------------------------------------------------------------------------------
async function throughputRound(n) {
  await expect(n);
  const t0 = performance.now();
  for (let sent = 0; sent < n; sent += BATCH) {
    const size = Math.min(BATCH, n - sent);
    const jobs = new Array(size);
    for (let i = 0; i < size; i++) jobs[i] = { name: 'bench', data: { p: PAYLOAD }, opts: JOB_OPTS };
    await queue.addBulk(jobs);
  }
  const done = await receive('done');
  const elapsed = performance.now() - t0;
  if (done.failed > 0) throw new Error(`${done.failed} jobs failed`);
  return n / (elapsed / 1000);
}

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const fmt = (x) => Math.round(x).toLocaleString('en-US');

async function throughput() {
  console.log(`BullMQ throughput: ${messages} jobs/round, addBulk ${BATCH}, 256 B payload, ` +
    `1 worker process, concurrency 4, queue ${queueName}`);
  const measured = [];
  for (let r = 1; r <= WARMUP_ROUNDS + rounds; r++) {
    const rate = await throughputRound(messages);
    const warm = r <= WARMUP_ROUNDS;
    if (!warm) measured.push(rate);
    console.log(`${warm ? 'warm-up' : 'round  '} ${warm ? r : r - WARMUP_ROUNDS}: ${fmt(rate)} msg/s`);
  }
  console.log(`median of ${rounds}: ${fmt(median(measured))} msg/s`);
}

// ---- latency -----------------------------------------------------------------------------------
function percentile(sorted, p) {
  // nearest rank
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

async function latency() {
  const total = seconds * 1000 * RATE_PER_MS;
  console.log(`BullMQ latency: ${total} single adds at 1,000/s on an absolute 1 ms schedule, ` +
    `first ${LATENCY_DISCARD_MS / 1000} s discarded, 256 B payload, 1 worker process, ` +
    `concurrency 4, queue ${queueName}`);
  await expect(total);
  const pending = [];
  let late = 0; // adds issued more than 1 ms after their slot
  const start = performance.now();
  for (let i = 0; i < total; i++) {
    const due = start + i / RATE_PER_MS;
    let now = performance.now();
    if (now < due) {
      await sleep(due - now);
      now = performance.now();
    }
    if (now - due > 1) late++;
    const measured = i >= LATENCY_DISCARD_MS * RATE_PER_MS ? 1 : 0;
    // Not awaited: a slow add must not push the schedule back (ioredis pipelines the calls).
    pending.push(queue.add('bench', { t: wallMs(), m: measured, p: PAYLOAD }, JOB_OPTS));
  }
  await Promise.all(pending);
  const done = await receive('done');
  if (done.failed > 0) throw new Error(`${done.failed} jobs failed`);
  const lat = Float64Array.from(done.latencies ?? []).sort();
  console.log(`measured ${lat.length} jobs (${late} adds more than 1 ms behind schedule)`);
  console.log(`p50 ${percentile(lat, 50).toFixed(3)} ms, p99 ${percentile(lat, 99).toFixed(3)} ms, ` +
    `max ${lat[lat.length - 1].toFixed(3)} ms`);
}

// ---- main --------------------------------------------------------------------------------------
let exitCode = 0;
try {
  await queue.waitUntilReady();
  await receive('ready');
  if (latencyMode) await latency(); else await throughput();
} catch (e) {
  console.error(e?.stack ?? e);
  exitCode = 1;
}
await cleanup();
process.exit(exitCode);
