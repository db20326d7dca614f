/**
 * Alerting: rules (threshold, anomaly, forecast, absence), alert lifecycle, incidents, silences, maintenance
 * windows, acknowledgement, feedback, precision tracking, routing, notifiers (Slack, e-mail, webhook) and the
 * durable outbox.
 */

export { parseSelector } from '../core/index.js';
export { DeliveryError, type Notifier } from './channel.js';
export {
  type AlertingConfig,
  type AlertingConfigInput,
  alertingConfigSchema,
  type ChannelConfig,
  DEFAULT_RULES,
  type Rule,
  type RuleInput,
} from './config.js';
export {
  type AlertingEvent,
  AlertManager,
  type AlertManagerOptions,
  type FeedbackFn,
  type PrecisionFigures,
  type RuleSource,
} from './manager.js';
export type { MaintenanceWindow, Silence } from './mutes.js';
export { type AlertingRouteDeps, registerAlertingRoutes } from './routes.js';
export type {
  Alert,
  AlertState,
  DeliveryContext,
  ForecastSignal,
  Incident,
  IncidentEvent,
  IncidentMember,
  NotificationItem,
  NotificationMessage,
} from './types.js';
