import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveInside } from '../../gateway/web-apps.ts';

describe('explorer static files: paths', () => {
  const root = resolve('/srv/explorer/dist');

  it('maps URL paths to files under the root', () => {
    expect(resolveInside(root, 'index.html')).toBe(join(root, 'index.html'));
    expect(resolveInside(root, 'assets/index-abc123.js')).toBe(join(root, 'assets', 'index-abc123.js'));
    expect(resolveInside(root, 'assets/a%20b.css')).toBe(join(root, 'assets', 'a b.css'));
  });

  it('refuses every way out of the root', () => {
    for (const path of [
      '../package.json',
      'assets/../../package.json',
      '%2e%2e/package.json',
      '..%2fpackage.json',
      '..%5cpackage.json',
      'assets\\..\\..\\package.json',
      '.build-stamp',
      'assets/.hidden',
      './index.html',
      'index.html%00.js',
      '%E0%A4%A', // malformed percent-encoding
    ]) {
      expect(resolveInside(root, path), path).toBeNull();
    }
  });

  it('refuses the root itself (a directory is not a file)', () => {
    expect(resolveInside(root, '')).toBeNull();
  });
});
