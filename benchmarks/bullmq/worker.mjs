// The consumer side of bench.mjs: one BullMQ Worker (concurrency 4) in its own Node process,
// forked by bench.mjs with the queue name as argv[2]. It talks to the parent over IPC only:
//   parent -> worker: {type: 'expect', n}   count the next n finished jobs, then answer 'done'
//                     {type: 'close'}       close the Worker and exit
//   worker -> parent: {type: 'ready'}, {type: 'expecting'}, {type: 'done', completed, failed,
//                     latencies?}, {type: 'error', message}
import { Worker } from 'bullmq';
import { performance } from 'node:perf_hooks';

const queueName = process.argv[2];
const connection = { host: '127.0.0.1', port: 6379, maxRetriesPerRequest: null };

// Wall clock with sub-millisecond resolution; the producer stamps jobs with the same expression.
const wallMs = () => performance.timeOrigin + performance.now();

let expected = 0;     // jobs still to finish in the current round
let completed = 0;
let failed = 0;
let latencies = [];   // ms, latency mode only: jobs stamped as measured (data.m === 1)

const worker = new Worker(
  queueName,
  async (job) => {
    // First line of the processor: the end point of the latency measurement.
    const t = job.data.t;
    if (t !== undefined && job.data.m === 1) latencies.push(wallMs() - t);
    return undefined;
  },
  { connection, concurrency: 4 },
);

function finishOne() {
  if (expected > 0 && completed + failed === expected) {
    const msg = { type: 'done', completed, failed };
    if (latencies.length > 0) msg.latencies = latencies;
    expected = 0;
    completed = 0;
    failed = 0;
    latencies = [];
    process.send(msg);
  }
}

worker.on('completed', () => { completed++; finishOne(); });
worker.on('failed', () => { failed++; finishOne(); });
worker.on('error', (err) => process.send({ type: 'error', message: String(err?.message ?? err) }));

process.on('message', async (msg) => {
  if (msg.type === 'expect') {
    expected = msg.n;
    process.send({ type: 'expecting' });
  } else if (msg.type === 'close') {
    await worker.close();
    process.disconnect();
  }
});
// The parent went away without 'close': do not linger.
process.on('disconnect', () => { worker.close().finally(() => process.exit(0)); });

await worker.waitUntilReady();
process.send({ type: 'ready' });
