import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { NODE_FLAGS } from '../../hub/node-flags.ts';

describe('the V8 flags of hub processes', () => {
  it('npm start passes every one of hub/node-flags.ts to node (the benchmarks use the same list)', () => {
    const { scripts } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> };
    const start = scripts.start!.split(/\s+/);
    expect(start[0]).toBe('tsx');
    // Flags must come before the script, or tsx hands them to the script instead of node.
    const script = start.findIndex((word) => word.endsWith('.ts'));
    expect(script).toBeGreaterThan(0);
    for (const flag of NODE_FLAGS) expect(start.slice(1, script)).toContain(flag);
  });
});
