// Docs command check (part of `npm run docs:check`, so of `npm run verify`). Every `vigil …` command line in a
// fenced shell block of README.md and docs/ is type-checked against the real command line: each subcommand
// must exist and each option must be one that subcommand defines. Blocks fenced as ```sh runnable are also
// run, line by line, with `vigil` meaning this checkout's CLI; each must exit 0 within two minutes.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Command } from 'commander';
import { buildProgram } from '../src/cli/program.js';
import { packageRoot } from '../src/core/index.js';

const root = packageRoot();
/** How a doc may invoke the CLI; what follows is the command line. */
const INVOCATION =
  /(?:^|&&|\||;|\$\(|\s)(?:npx\s+vigil|vigil|npx\s+tsx\s+src\/cli\/main\.ts|node\s+(?:--import\s+tsx\s+)?(?:dist\/)?src\/cli\/main\.[jt]s)(?=\s|$)/g;

function markdownFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return markdownFiles(p);
    return name.endsWith('.md') ? [p] : [];
  });
}

/** Shell-ish tokens of a command line up to the end of the command (`&&`, `|`, `;`, `>`, `#`). */
function tokens(rest: string): string[] {
  const out: string[] = [];
  // A command substitution is one value, e.g. --offsets $(seq -s, 0 2 46).
  for (const m of rest.replace(/\$\([^)]*\)/g, 'VALUE').matchAll(/"[^"]*"|'[^']*'|\S+/g)) {
    const t = m[0];
    if (['&&', '|', '||', ';', '>', '2>&1', '#'].includes(t) || t.startsWith('>') || t.startsWith('#') || t.startsWith(')')) break;
    out.push(t);
  }
  return out;
}

function optionNames(cmd: Command): Set<string> {
  const names = new Set(['-h', '--help']);
  for (const o of cmd.options) {
    if (o.long) names.add(o.long);
    if (o.short) names.add(o.short);
  }
  return names;
}

/** Problems with one command line (the tokens after the invocation), or none. */
export function checkCommandLine(program: Command, args: string[]): string[] {
  let cmd = program;
  let i = 0;
  // Walk subcommands while the next token names one.
  while (i < args.length && !args[i]!.startsWith('-')) {
    const next = cmd.commands.find((c) => c.name() === args[i] || c.aliases().includes(args[i]!));
    if (next === undefined) {
      if (cmd.commands.length > 0 && cmd === program) return [`unknown command "${args[i]}"`];
      break;
    }
    cmd = next;
    i++;
  }
  if (cmd === program && args.length > 0 && !['-V', '--version', '-h', '--help'].includes(args[0]!)) {
    return [`no command in "vigil ${args.join(' ')}"`];
  }
  const known = optionNames(cmd);
  if (cmd === program) known.add('-V').add('--version');
  const problems: string[] = [];
  for (const t of args.slice(i)) {
    if (!t.startsWith('-') || t === '-' || /^-\d/.test(t)) continue;
    const name = t.split('=')[0]!;
    if (!known.has(name)) problems.push(`"${cmd.name()}" has no option ${name}`);
  }
  return problems;
}

function main(): void {
  const program = buildProgram();
  const problems: string[] = [];
  let lines = 0;
  let ran = 0;
  const files = [join(root, 'README.md'), ...markdownFiles(join(root, 'docs'))].filter((f) => existsSync(f));
  for (const file of files) {
    const rel = relative(root, file);
    const text = readFileSync(file, 'utf8');
    // Fenced blocks (shell or no language) and inline code spans that start with an invocation.
    const blocks = [...text.matchAll(/```([^\n]*)\n([\s\S]*?)```/g)]
      .map((b) => ({ info: b[1]!.trim().split(/\s+/), body: b[2]! }))
      .filter((b) => ['sh', 'bash', 'shell', 'console', ''].includes(b.info[0]!))
      .map((b) => ({ runnable: b.info.includes('runnable'), body: b.body }));
    const prose = text.replace(/```[\s\S]*?```/g, '');
    for (const m of prose.matchAll(/`((?:npx\s+)?vigil\s[^`]*)`/g)) blocks.push({ runnable: false, body: m[1]! });
    for (const { runnable, body } of blocks) {
      const joined = body.replace(/\\\n\s*/g, ' ');
      for (const raw of joined.split('\n')) {
        const line = raw.replace(/^\$\s*/, '').trim();
        if (line === '' || line.startsWith('#')) continue;
        for (const m of line.matchAll(INVOCATION)) {
          lines++;
          const args = tokens(line.slice(m.index! + m[0].length));
          for (const p of checkCommandLine(program, args)) problems.push(`${rel}: ${p} in: ${line}`);
        }
        if (runnable) {
          ran++;
          const command = line.replace(/(^|&&\s*|\|\s*)(?:npx\s+)?vigil(?=\s)/g, '$1node --import tsx src/cli/main.ts');
          try {
            execFileSync('bash', ['-c', command], { cwd: root, stdio: 'pipe', timeout: 120_000 });
          } catch (e) {
            const err = e as { status?: number; stderr?: Buffer };
            problems.push(
              `${rel}: runnable command failed (exit ${err.status ?? '?'}): ${line}\n    ${String(err.stderr ?? '')
                .trim()
                .split('\n')
                .slice(-3)
                .join('\n    ')}`,
            );
          }
        }
      }
    }
  }
  if (problems.length > 0) {
    process.stderr.write(`docs commands: ${problems.length} problem(s)\n${problems.map((p) => `  ${p}`).join('\n')}\n`);
    process.exit(1);
  }
  process.stdout.write(`docs commands: ${lines} vigil command lines type-checked against the CLI, ${ran} runnable lines ran\n`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main();
