import { parentPort } from 'node:worker_threads';
import type { FromWorker, ToWorker } from './protocol.js';
import { DetectionShard } from './shard.js';

const port = parentPort;
if (port === null) throw new Error('detect worker must run in a worker thread');
const shard = new DetectionShard();

function send(m: FromWorker): void {
  port?.postMessage(m);
}

port.on('message', (m: ToWorker) => {
  try {
    switch (m.type) {
      case 'push': {
        const r = shard.push(m.tenant, m.items);
        send({ type: 'scored', tenant: m.tenant, scores: r.scores, anomalies: r.anomalies });
        break;
      }
      case 'train':
        shard.push(m.tenant, m.items);
        send({ type: 'reply', id: m.id, result: m.items.length });
        break;
      case 'restore':
        shard.restore(m.models);
        break;
      case 'feedback':
        send({ type: 'reply', id: m.id, result: shard.feedback(m.tenant, m.series, m.start, m.end, m.kind) });
        break;
      case 'models':
        send({ type: 'reply', id: m.id, result: shard.list(m.tenant) });
        break;
      case 'save':
        send({ type: 'reply', id: m.id, result: shard.save() });
        break;
    }
  } catch (e) {
    send({ type: 'error', message: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  }
});
