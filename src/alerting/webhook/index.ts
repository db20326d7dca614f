/** Generic JSON webhook channel (Vigil or Alertmanager payload, HMAC-signed). */
export { alertmanagerPayload, SIGNATURE_HEADER, signBody, vigilPayload, WebhookNotifier } from './webhook-notifier.js';
