/** E-mail (SMTP) channel. */
export { EmailNotifier } from './email-notifier.js';
