import { describe, expect, it } from 'vitest';
import { buildProgram } from '../src/cli/program.js';
import { checkCommandLine } from './check-commands.js';

describe('docs command check', () => {
  const program = buildProgram();
  it('accepts real commands and options, with values and = forms', () => {
    expect(checkCommandLine(program, ['demo', '--speed', '60', '--json'])).toEqual([]);
    expect(checkCommandLine(program, ['eval', 'nab', '--data=DIR', '--json'])).toEqual([]);
    expect(checkCommandLine(program, ['--help'])).toEqual([]);
    expect(checkCommandLine(program, ['eval', 'nab', '--offsets', 'VALUE'])).toEqual([]);
  });
  it('names an unknown command or option', () => {
    expect(checkCommandLine(program, ['serve'])).toEqual(['unknown command "serve"']);
    expect(checkCommandLine(program, ['demo', '--sped', '60'])).toEqual(['"demo" has no option --sped']);
    expect(checkCommandLine(program, ['eval', 'nab', '--detectr', 'x'])).toEqual(['"nab" has no option --detectr']);
  });
});
