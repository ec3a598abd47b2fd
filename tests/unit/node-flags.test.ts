import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { NODE_FLAGS, nodeFlagsOf } from '../../hub/node-flags.ts';

describe('the V8 flags of hub processes', () => {
  it('npm start passes every one of hub/node-flags.ts, and node receives them (the benchmarks use the same list)', () => {
    const { scripts } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> };
    const start = scripts.start!.split(/\s+/);
    expect(start[0]).toBe('tsx');
    // Flags must come before the script, or tsx hands them to the script instead of node.
    const script = start.findIndex((word) => word.endsWith('.ts'));
    expect(script).toBeGreaterThan(0);
    const flags = start.slice(1, script);
    for (const flag of NODE_FLAGS) expect(flags).toContain(flag);

    // tsx, as npm start runs it, hands them on to node.
    const tsx = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));
    const child = spawnSync(tsx, [...flags, '-e', 'console.log(JSON.stringify(process.execArgv))'], { encoding: 'utf8' });
    expect(child.status, child.stderr).toBe(0);
    const execArgv = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as string[];
    for (const flag of NODE_FLAGS) expect(execArgv).toContain(flag);
  });

  it('npm run start:worker passes the worker\'s own flags (its young generation sized from the start)', () => {
    const { scripts } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> };
    const words = scripts['start:worker']!.split(/\s+/);
    const flags = words.slice(1, words.findIndex((word) => word.endsWith('.ts')));
    expect(nodeFlagsOf('worker')).toContain('--min-semi-space-size=64');
    expect([...flags].sort()).toEqual([...nodeFlagsOf('worker')].sort());
  });
});
