import { afterAll, describe, expect, it } from 'vitest';
import { type DemoHandle, type Scorecard, startDemo } from './index.js';
import { SCENARIO_NAMES } from './scenarios.js';

// The whole demo, accelerated: a real server, 14 simulated hosts (11 with a scenario, 3 healthy), two days of
// history and every scenario, scored from the notifications its webhook receiver gets. A Wednesday 01:00 UTC
// start puts the nightly 03:00 log rotation of every host inside the live phase; the two days of history
// before it hold every host's daily deploys, cron jobs and rotations, and must raise no alert either.
const START = Date.UTC(2026, 10, 18, 1, 0, 0);

describe('vigil demo scorecard', () => {
  let demo: DemoHandle | undefined;
  afterAll(async () => {
    await demo?.stop();
  });

  it('catches every incident, names its host and metric, and raises nothing else', { timeout: 240_000 }, async () => {
    demo = await startDemo({ hosts: 14, speed: 600, historyMs: 2 * 86_400_000, startTime: START, seed: 7 });
    const card: Scorecard = await demo.done;
    const alerts = demo.alerts().map((a) => `${new Date(a.t).toISOString()} ${a.hosts.join(',')}: ${a.text.slice(0, 300)}`);
    const context = `scorecard ${JSON.stringify(card, null, 1)}\nalerts:\n${alerts.join('\n')}`;

    expect(card.scenarios.map((s) => s.name).sort(), context).toEqual([...SCENARIO_NAMES].sort());
    for (const s of card.scenarios) {
      if (s.expected) {
        expect(s.caught, `${s.name} missed\n${context}`).toBe(true);
        expect(s.explanation_ok, `${s.name}: the explanation does not name its host and metric\n${context}`).toBe(true);
      } else {
        expect(s.caught, `${s.name} alerted\n${context}`).toBe(false);
      }
    }
    expect(card.false_alerts, `false alerts during the live phase\n${context}`).toBe(0);
    // Known and documented (docs/detection.md, Known weaknesses): a quiet host's first daily deploy after the 24-h
    // learning period (it saw one deploy while learning) pages once; the 03:00 log rotations no longer do (space freed
    // is good news). No more than that may fire about the normal history.
    expect(card.history_alerts, `alerts about the pre-filled (normal) history\n${context}`).toBeLessThanOrEqual(1);
  });
});
