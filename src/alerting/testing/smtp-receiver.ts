import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** One e-mail the receiver accepted, with its MIME parts decoded. */
export interface ReceivedMail {
  from: string;
  to: string[];
  headers: Record<string, string>;
  text: string;
  html: string;
  raw: string;
  user: string | null;
}

function decodePart(body: string, encoding: string, charsetHeader: string): string {
  const enc = encoding.toLowerCase();
  let buf: Buffer;
  if (enc === 'base64') buf = Buffer.from(body.replace(/\s+/g, ''), 'base64');
  else if (enc === 'quoted-printable') {
    const soft = body.replace(/=\r?\n/g, '');
    const bytes: number[] = [];
    for (let i = 0; i < soft.length; i++) {
      const c = soft[i] as string;
      if (c === '=' && /^[0-9A-Fa-f]{2}$/.test(soft.slice(i + 1, i + 3))) {
        bytes.push(Number.parseInt(soft.slice(i + 1, i + 3), 16));
        i += 2;
      } else bytes.push(...Buffer.from(c, 'utf8'));
    }
    buf = Buffer.from(bytes);
  } else buf = Buffer.from(body, 'utf8');
  return buf.toString(/utf-?8/i.test(charsetHeader) || charsetHeader === '' ? 'utf8' : 'latin1');
}

function splitHeaders(block: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of block.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return out;
}

function parseEntity(raw: string, into: { text: string; html: string }): Record<string, string> {
  const sep = raw.search(/\r?\n\r?\n/);
  const headers = splitHeaders(sep === -1 ? raw : raw.slice(0, sep));
  const body = sep === -1 ? '' : raw.slice(sep).replace(/^\r?\n\r?\n/, '');
  const type = headers['content-type'] ?? 'text/plain';
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (/^multipart\//i.test(type) && boundary !== undefined) {
    for (const part of body.split(`--${boundary}`).slice(1)) {
      if (part.startsWith('--')) break;
      parseEntity(part.replace(/^\r?\n/, ''), into);
    }
  } else {
    const charset = /charset="?([^";]+)"?/i.exec(type)?.[1] ?? '';
    const text = decodePart(body, headers['content-transfer-encoding'] ?? '7bit', charset);
    if (/^text\/html/i.test(type)) into.html += text;
    else if (/^text\/plain/i.test(type)) into.text += text;
  }
  return headers;
}

/** A real SMTP server (the `smtp-server` package) on 127.0.0.1 that records what it receives. */
export class SmtpReceiver {
  readonly mails: ReceivedMail[] = [];
  /** SMTP reply code to refuse the next messages with (consumed first); e.g. 451 (retry) or 550 (permanent). */
  readonly script: number[] = [];
  private server: SMTPServer | null = null;

  constructor(private readonly auth?: { user: string; password: string }) {}

  /** Starts listening; resolves with the port. */
  async start(): Promise<number> {
    const auth = this.auth;
    this.server = new SMTPServer({
      secure: false,
      disabledCommands: auth === undefined ? ['AUTH', 'STARTTLS'] : ['STARTTLS'],
      allowInsecureAuth: true,
      authOptional: auth === undefined,
      logger: false,
      onAuth(a, _session, cb) {
        if (auth !== undefined && a.username === auth.user && a.password === auth.password) cb(null, { user: a.username });
        else cb(new Error('invalid credentials'));
      },
      onData: (stream, session, cb) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const code = this.script.shift();
          if (code !== undefined) {
            const err = new Error(`refused with ${code}`) as Error & { responseCode: number };
            err.responseCode = code;
            cb(err);
            return;
          }
          const raw = Buffer.concat(chunks).toString('utf8');
          const parts = { text: '', html: '' };
          const headers = parseEntity(raw, parts);
          this.mails.push({
            from: session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address,
            to: session.envelope.rcptTo.map((r) => r.address),
            headers,
            text: parts.text,
            html: parts.html,
            raw,
            user: typeof session.user === 'string' ? session.user : null,
          });
          cb();
        });
      },
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', () => resolve()));
    return (this.server.server.address() as AddressInfo).port;
  }

  /** Stops the server. */
  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server === null ? resolve() : this.server.close(() => resolve())));
    this.server = null;
  }
}
