import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { firstInvalidUtf8, formatJsonPath, MAX_FILE_BYTES, parseJsonBytes } from '../../src/load/json-source.js';
import { loadGate } from '../../src/load/load-gate.js';
import type { Diagnostic } from '../../src/model/types.js';
import { tempProject, where, writeGate } from './load-fixture.js';

async function refused(bytes: string | Buffer): Promise<Diagnostic[]> {
  const root = tempProject();
  fs.writeFileSync(path.join(root, 'gates', 'g.json'), bytes);
  const r = await loadGate('gates/g.json', { cwd: root });
  if (r.ok) throw new Error('expected the gate to be refused');
  return r.diagnostics;
}

describe('json-source', () => {
  it('refuses duplicate keys at the second occurrence', async () => {
    const text = '{"checks": [{"id": "a", "run": ["x"], "timeoutMs": 1000, "timeoutMs": 0}]}';
    const diags = await refused(text);
    expect(diags).toEqual([
      expect.objectContaining({ code: 'duplicate-key', jsonPath: 'checks[0].timeoutMs', ...where(text, '"timeoutMs"', 1), length: '"timeoutMs"'.length }),
    ]);
  });

  it('refuses prototype keys anywhere, without touching any prototype', async () => {
    const text = '{\n"checks": [{"id": "a", "run": ["x"], "env": {"constructor": "1"}}],\n"__proto__": {"polluted": true},\n"x": {"prototype": 1}\n}';
    const diags = await refused(text);
    const forbidden = diags.filter((d) => d.code === 'forbidden-key');
    expect(forbidden.map((d) => d.jsonPath)).toEqual(['checks[0].env.constructor', '__proto__', 'x.prototype']);
    expect(forbidden[1]).toMatchObject(where(text, '"__proto__"'));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses nesting deeper than 64 without recursing into it', async () => {
    const deep = `{"checks": ${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    const diags = await refused(deep);
    expect(diags).toEqual([expect.objectContaining({ code: 'too-deep', line: 1, column: 12 + 63 })]);
    const ok = parseJsonBytes(Buffer.from(`${'['.repeat(64)}${']'.repeat(64)}`), 'f');
    expect(ok.ok).toBe(true);
  });

  it('refuses invalid UTF-8 with the byte offset of the first bad byte', async () => {
    const bytes = Buffer.concat([Buffer.from('{\n  "title": "café '), Buffer.from([0xc3, 0x28]), Buffer.from('"\n}')]);
    const diags = await refused(bytes);
    const offset = Buffer.from('{\n  "title": "café ').length;
    expect(diags).toEqual([expect.objectContaining({ code: 'invalid-utf8', line: 2, column: 18 })]);
    expect(diags[0]?.message).toContain(`byte offset ${offset}`);
    expect(firstInvalidUtf8(Buffer.from([0xed, 0xa0, 0x80]))).toBe(0); // a UTF-16 surrogate
    expect(firstInvalidUtf8(Buffer.from([0xc0, 0x80]))).toBe(0); // overlong
    expect(firstInvalidUtf8(Buffer.from([0x61, 0xe2, 0x82]))).toBe(1); // cut short
    expect(firstInvalidUtf8(Buffer.from('ok ✓ 🚀'))).toBe(-1);
  });

  it('names UTF-16 without a byte order mark as such, not as a stray U+0000 in the JSON', async () => {
    const text = '{"id": "u", "checks": [{"id": "a", "run": ["true"]}]}';
    for (const [encoding, bytes] of [
      ['little-endian', Buffer.from(text, 'utf16le')],
      ['big-endian', Buffer.from(text, 'utf16le').swap16()],
    ] as const) {
      const diags = await refused(bytes);
      expect(diags).toEqual([expect.objectContaining({ code: 'invalid-utf8', line: 1, column: 1 })]);
      expect(diags[0]?.message).toBe(`file is not UTF-8: it looks like UTF-16 (${encoding}): every other byte is 0`);
      expect(diags[0]?.hint).toBe('save the gate file as UTF-8');
    }
    // One NUL byte in UTF-8 text is not UTF-16: the parser says where it is.
    const stray = await refused(Buffer.from('{"id": "u",\u0000 "checks": []}'));
    expect(stray[0]?.message).toContain('U+0000');
  });

  it('refuses a file over 1 MiB before parsing it', async () => {
    const diags = await refused(Buffer.alloc(MAX_FILE_BYTES + 1, 0x20));
    expect(diags).toEqual([expect.objectContaining({ code: 'too-large', line: 0 })]);
    expect(diags[0]?.message).toContain('over the 1 MiB limit');
  });

  it('reports JSON syntax errors where they are, with what the parser said', async () => {
    const text = '{\n  "checks": [\n    {"id": "a", "run": ["x"],}\n  ]\n}';
    const diags = await refused(text);
    expect(diags).toEqual([expect.objectContaining({ code: 'invalid-json', jsonPath: '', ...where(text, '}') })]);
    expect(diags[0]?.message).toMatch(/^invalid JSON: .+/);
    const eof = await refused('{"checks": [\n');
    expect(eof[0]).toMatchObject({ code: 'invalid-json', line: 1, column: 13, message: 'invalid JSON: unexpected end of input' });
    const comment = await refused('// no\n{}');
    expect(comment[0]).toMatchObject({ code: 'invalid-json', line: 1, column: 1 });
    const control = await refused('{"title": "a\tb"}');
    expect(control[0]?.code).toBe('invalid-json');
    expect((await refused(''))[0]?.code).toBe('invalid-json');
  });

  it('says what is wrong with the JSON in terms of the file, with a hint, and no JSON path', async () => {
    const trailing = '{\n  "checks": [\n    {"id": "a", "run": ["x"]},\n  ]\n}\n';
    expect(await refused(trailing)).toEqual([
      expect.objectContaining({
        code: 'invalid-json',
        jsonPath: '',
        ...where(trailing, ']\n}'),
        message: "invalid JSON: unexpected ']' where a value should start",
        hint: 'remove the comma before it: JSON allows no trailing commas',
      }),
    ]);
    const cases: [text: string, at: string, problem: string, hint: RegExp, nth?: number][] = [
      ['{"id": "a" "checks": []}', '"checks"', "unexpected string where ',' or '}' should be", /a comma is missing before it/],
      ['{"checks": [{"id": "a"}}', '}', "unexpected '}' where ',' or ']' should be", /the array opened with '\[' is still open/, 1],
      ["{'checks': []}", "'", `unexpected "'" where a property name in double quotes should be`, /double quotes/],
      ['{"checks" []}', '[', "unexpected '[' where ':' should follow a property name", /put a colon/],
      ['{"checks": [tru]}', 'tru', "unexpected 't' where a value should start", /put text in double quotes/],
      ['{"checks": []} x', 'x', 'more text after the JSON document', /remove it/],
    ];
    for (const [text, at, problem, hint, nth] of cases) {
      const [d] = await refused(text);
      expect(d, text).toMatchObject({ code: 'invalid-json', jsonPath: '', ...where(text, at, nth), message: `invalid JSON: ${problem}`, hint: expect.stringMatching(hint) });
      expect(d?.message).not.toMatch(/RBracket|RBrace|LBracket|Colon|Comma|token/);
    }
  });

  it('refuses numbers too large to represent', async () => {
    const diags = await refused('{"checks": [{"id": "a", "run": ["x"], "outputSchema": {"maximum": 1e999}}]}');
    expect(diags[0]).toMatchObject({ code: 'invalid-number', jsonPath: 'checks[0].outputSchema.maximum' });
  });

  it('reports a number too large to represent once, not again as the Infinity it became', async () => {
    const text = [
      '{"title": 1e999, "checks": [{"id": "a", "run": ["x"], "timeoutMs": 1e999, "expectExitCode": [-1e999],',
      ' "expect": [{"path": "a", "op": "in", "value": [1, 1e999]}, {"path": "b", "op": "~~", "value": 1e999}]}]}',
    ].join('\n');
    const diags = await refused(text);
    expect(diags.map((d) => `${d.code} ${d.jsonPath}`)).toEqual([
      'invalid-number title',
      'invalid-number checks[0].timeoutMs',
      'invalid-number checks[0].expectExitCode[0]',
      'invalid-number checks[0].expect[0].value[1]',
      // The rest of an assertion holding one is still checked.
      'invalid-assertion checks[0].expect[1].op',
      'invalid-number checks[0].expect[1].value',
    ]);
    expect(diags[4]?.message).toBe('invalid assertion: unknown operator "~~"');
  });

  it('turns unreadable files into diagnostics without a place', async () => {
    const root = tempProject();
    const missing = await loadGate('gates/none.json', { cwd: root });
    expect(missing.ok || missing.diagnostics[0]).toMatchObject({ code: 'file-not-found', line: 0, file: path.join('gates', 'none.json') });
    fs.mkdirSync(path.join(root, 'gates', 'dir.json'));
    const dir = await loadGate('gates/dir.json', { cwd: root });
    expect(dir.ok || dir.diagnostics[0]).toMatchObject({ code: 'not-a-file', line: 0 });
    if (process.getuid?.() !== 0) {
      writeGate(root, 'locked', {});
      fs.chmodSync(path.join(root, 'gates', 'locked.json'), 0o000);
      const locked = await loadGate('gates/locked.json', { cwd: root });
      expect(locked.ok || locked.diagnostics[0]).toMatchObject({ code: 'unreadable', line: 0 });
    }
  });

  it('formats JSON paths with brackets for keys that are not identifiers', () => {
    expect(formatJsonPath(['checks', 2, 'timeoutMs'])).toBe('checks[2].timeoutMs');
    expect(formatJsonPath(['env', 'A-B'])).toBe('env["A-B"]');
    expect(formatJsonPath([])).toBe('');
  });

  it('locates values and keys by JSON path', () => {
    const text = '{\n  "a": {\n    "b": [10, 20]\n  }\n}';
    const r = parseJsonBytes(Buffer.from(text), 'f.json');
    if (!r.ok) throw new Error('parse failed');
    expect(r.source.value).toEqual({ a: { b: [10, 20] } });
    expect(r.source.diag(['a', 'b', 1], 'x', 'm', 'h')).toMatchObject({ ...where(text, '20'), length: 2, sourceLine: '    "b": [10, 20]' });
    expect(r.source.diag(['a', 'b'], 'x', 'm', 'h', { key: true })).toMatchObject({ ...where(text, '"b"'), length: 3 });
    // A path that is not in the file points at its nearest ancestor.
    expect(r.source.diag(['a', 'missing'], 'x', 'm', 'h')).toMatchObject({ ...where(text, '{', 1), jsonPath: 'a.missing' });
  });

  it('finds duplicate keys that hide behind escaped quotes and colons inside strings', async () => {
    // The clean path counts members lexically; strings full of `":` must not throw the count off.
    const text = '{"checks": [{"id": "a", "run": ["x", "\\":", "\\\\"], "env": {"K": "v\\": ", "K": "w"}}]}';
    const diags = await refused(text);
    expect(diags).toEqual([expect.objectContaining({ code: 'duplicate-key', jsonPath: 'checks[0].env.K', ...where(text, '"K"', 1) })]);
  });

  it('gives the same value and places for a clean file as momoa does, found only when asked', () => {
    const text = '{\n  "s": "a\\"b: \\u00e9",\n  "n": [1.5e3, -0, {"k": null, "e": {}}],\n  "t": true\n}';
    const r = parseJsonBytes(Buffer.from(text), 'f.json');
    if (!r.ok) throw new Error('parse failed');
    expect(r.diagnostics).toEqual([]);
    expect(r.source.value).toEqual(JSON.parse(text));
    expect(r.source.has(['n', 2, 'k'])).toBe(true);
    expect(r.source.has(['n', 3])).toBe(false);
    expect(r.source.diag(['n', 2, 'k'], 'x', 'm', 'h')).toMatchObject({ ...where(text, 'null'), length: 4 });
    expect(r.source.diag(['t'], 'x', 'm', 'h', { key: true })).toMatchObject({ ...where(text, '"t"'), length: 3 });
  });

  it('scans any text in one pass: an unterminated string full of escaped quotes is a syntax error, found at once', () => {
    const text = `{"checks": "${'\\"'.repeat(300_000)}`;
    const r = parseJsonBytes(Buffer.from(text), 'f.json');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.diagnostics).toEqual([expect.objectContaining({ code: 'invalid-json' })]);
    // Brackets inside strings are not nesting, a string that starts with ":" is not a key.
    const ok = parseJsonBytes(Buffer.from(`{"a": ["${'['.repeat(100)}", ":b", "c\\\\"]}`), 'g.json');
    expect(ok.ok && ok.diagnostics).toEqual([]);
  });
});
