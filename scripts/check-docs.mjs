#!/usr/bin/env node
// Docs check (part of `npm run verify`): every relative link in README.md and docs/ resolves to a file
// (and to a heading when it names an anchor), and every `vigil …` / `npx vigil …` / `npm run …` command in a
// fenced shell block names a command or script that exists.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const VIGIL_COMMANDS = ['server', 'agent', 'demo', 'detect', 'forecast', 'eval', 'import', 'bench', 'tenant', 'help'];
const scripts = Object.keys(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts ?? {});

function markdownFiles(dir) {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...markdownFiles(p));
    else if (name.endsWith('.md')) out.push(p);
  }
  return out;
}

function slug(heading) {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

const problems = [];
const files = [join(root, 'README.md'), ...markdownFiles(join(root, 'docs'))].filter((f) => existsSync(f));
for (const file of files) {
  const text = readFileSync(file, 'utf8');
  const rel = relative(root, file);
  const withoutCode = text.replace(/```[\s\S]*?```/g, '');
  for (const m of withoutCode.matchAll(/\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
    const target = m[1];
    if (/^[a-z]+:/i.test(target) || target.startsWith('#') || target.startsWith('/')) continue;
    const [path, anchor] = target.split('#');
    const abs = resolve(dirname(file), decodeURIComponent(path));
    if (!existsSync(abs)) {
      problems.push(`${rel}: link to missing ${target}`);
      continue;
    }
    if (anchor && abs.endsWith('.md')) {
      const heads = [...readFileSync(abs, 'utf8').matchAll(/^#+\s+(.*)$/gm)].map((h) => slug(h[1]));
      if (!heads.includes(anchor)) problems.push(`${rel}: link to missing heading ${target}`);
    }
  }
  for (const block of text.matchAll(/```(?:sh|bash|shell|console)\n([\s\S]*?)```/g)) {
    for (const raw of block[1].split('\n')) {
      const line = raw.replace(/^\$\s*/, '').trim();
      for (const m of line.matchAll(/(?:^|&&\s*|\|\s*)(?:npx\s+)?vigil\s+([a-z-]+)/g)) {
        if (!VIGIL_COMMANDS.includes(m[1])) problems.push(`${rel}: unknown command "vigil ${m[1]}" in: ${line}`);
      }
      for (const m of line.matchAll(/npm run ([a-z:-]+)/g)) {
        if (!scripts.includes(m[1])) problems.push(`${rel}: unknown npm script "${m[1]}" in: ${line}`);
      }
    }
  }
}
if (problems.length > 0) {
  process.stderr.write(`docs check: ${problems.length} problem(s)\n${problems.map((p) => `  ${p}`).join('\n')}\n`);
  process.exit(1);
}
process.stdout.write(`docs check: ${files.length} files, links and commands OK\n`);
