/** Slack incoming-webhook channel. */
export { SlackNotifier, slackPayload } from './slack-notifier.js';
