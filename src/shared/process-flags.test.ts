import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PROCESS_ENV, V8_FLAGS } from './process-flags';

describe('V8 flags', () => {
  it('the CLI launcher applies the same flags as the desktop library process', () => {
    const bin = readFileSync(new URL('../../bin/soutu.js', import.meta.url), 'utf8');
    const m = /const V8_FLAGS = (\[[^\]]*\]);/.exec(bin);
    expect(m).not.toBeNull();
    expect(JSON.parse(m![1].replace(/'/g, '"'))).toEqual([...V8_FLAGS]);
    const env = /const PROCESS_ENV = (\{[^}]*\});/.exec(bin);
    expect(env).not.toBeNull();
    expect(JSON.parse(env![1].replace(/'/g, '"').replace(/(\w+):/g, '"$1":'))).toEqual({ ...PROCESS_ENV });
  });
});
