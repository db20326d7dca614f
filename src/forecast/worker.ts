import { parentPort } from 'node:worker_threads';
import type { FromForecastWorker, ToForecastWorker } from './protocol.js';
import { runForecastJob } from './run-job.js';

const port = parentPort;
if (port === null) throw new Error('forecast worker must run in a worker thread');

port.on('message', (m: ToForecastWorker) => {
  let reply: FromForecastWorker;
  try {
    reply = { type: 'done', id: m.id, results: m.jobs.map((j) => runForecastJob(j, m.maxPoints)) };
  } catch (e) {
    reply = { type: 'error', id: m.id, message: e instanceof Error ? (e.stack ?? e.message) : String(e) };
  }
  port.postMessage(reply);
});
