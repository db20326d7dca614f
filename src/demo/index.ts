/** The demo: a simulated fleet with injected incidents, run against a real server, scored from real notifications. */
export { type Effects, Fleet, type FleetOptions, type HostProfile } from './fleet.js';
export { AcceleratedClock, type DemoHandle, type DemoOptions, startDemo } from './run.js';
export { buildScenarios, effectsAt, SCENARIO_NAMES, type Scenario, type ScenarioName } from './scenarios.js';
export { type ReceivedAlert, type ScenarioScore, type Scorecard, scoreDemo } from './scorecard.js';
