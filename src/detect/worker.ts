import { parentPort } from 'node:worker_threads';
import { LabelTable, packScores } from './packed.js';
import type { ExcludedHostTimes, FromWorker, ToWorker } from './protocol.js';
import { DetectionShard, type ShardPushOptions } from './shard.js';

const port = parentPort;
if (port === null) throw new Error('detect worker must run in a worker thread');
const shard = new DetectionShard();
const labels = new LabelTable();

function send(m: FromWorker): void {
  port?.postMessage(m);
}

/** The shard's host exclusion callback for the row times the engine flagged. */
function hostOptions(ex: ExcludedHostTimes | undefined): ShardPushOptions {
  if (ex === undefined) return {};
  const sets = new Map(Object.entries(ex).map(([host, times]) => [host, new Set(times)]));
  return { excludeHost: (host, t) => sets.get(host)?.has(t) ?? false };
}

port.on('message', (m: ToWorker) => {
  try {
    switch (m.type) {
      case 'push': {
        const items = labels.unpack(m.push);
        const r = shard.push(m.tenant, items, hostOptions(m.excludedHosts));
        const scores = packScores(items, r.scores);
        const reply: FromWorker = { type: 'scored', tenant: m.tenant, scores, hosts: r.hosts, anomalies: r.anomalies };
        port?.postMessage(reply, [scores.columns.buffer, scores.flags.buffer]);
        break;
      }
      case 'train':
        send({ type: 'reply', id: m.id, result: shard.train(m.tenant, m.items, hostOptions(m.excludedHosts)) });
        break;
      case 'restore':
        shard.restore(m.models, m.hosts);
        break;
      case 'feedback':
        send({ type: 'reply', id: m.id, result: shard.feedback(m.tenant, m.series, m.start, m.end, m.kind) });
        break;
      case 'models':
        send({ type: 'reply', id: m.id, result: shard.list(m.tenant) });
        break;
      case 'hosts':
        send({ type: 'reply', id: m.id, result: shard.hostList(m.tenant) });
        break;
      case 'save':
        send({ type: 'reply', id: m.id, result: { models: shard.save(), hosts: shard.saveHosts() } });
        break;
    }
  } catch (e) {
    const message = e instanceof Error ? (e.stack ?? e.message) : String(e);
    send(m.type === 'push' ? { type: 'error', message, push: true } : { type: 'error', message });
  }
});
