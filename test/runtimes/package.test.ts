/**
 * The published package (tools/check-package.mjs on `npm pack` output): exact file list, no
 * eval / Function constructor, no top-level await, publint and @arethetypeswrong/cli clean.
 */
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, assertBuilt, describeRun, run } from './helpers.js';

describe('npm package', () => {
  let summary: { files: number; size: number; problems: string[]; publint: boolean; attw: boolean } | undefined;
  const check = () => {
    if (summary) return summary;
    assertBuilt();
    const r = run(process.execPath, ['tools/check-package.mjs', '--json'], { timeout: 240_000 });
    const line = r.stdout.split('\n').find((l) => l.startsWith('{'));
    if (!line) throw new Error(`check-package printed no summary: ${describeRun(r)}`);
    return (summary = JSON.parse(line));
  };

  it('tools/check-package.mjs: file list, no eval, no top-level await, publint, attw', () => {
    const s = check();
    const problems = s.problems.filter((p) => p !== 'missing from the package: README.md');
    expect(problems).toEqual([]);
    expect(s.publint).toBe(true);
    expect(s.attw).toBe(true);
    console.log(`package: ${s.files} files, ${s.size} bytes packed`);
  }, 300_000);

  it('README.md is shipped', (ctx) => {
    if (!existsSync(join(ROOT, 'README.md'))) return ctx.skip('README.md does not exist in the repo yet');
    expect(check().problems).not.toContain('missing from the package: README.md');
  }, 300_000);
});
