import { describe, expect, it } from 'vitest';
import { createNeutralizingWriter, NEUTRAL_MARK, neutralizeJson, neutralizeLine } from '../../src/log/neutralize.js';

/** What the GitHub runner would take for a command in one line (as its parser reads lines). */
const looksLikeCommand = (line: string) => /^\s*::/.test(line) || line.includes('##[');

describe('neutralizeLine', () => {
  it('marks a line that would start a workflow command, even after whitespace', () => {
    expect(neutralizeLine('::error::pwned')).toBe(`${NEUTRAL_MARK}::error::pwned`);
    expect(neutralizeLine('   ::add-mask::x')).toBe(`${NEUTRAL_MARK}   ::add-mask::x`);
    expect(neutralizeLine('\t::stop-commands::tok')).toBe(`${NEUTRAL_MARK}\t::stop-commands::tok`);
  });

  it('also when characters a culture-aware comparison skips sit in front or between', () => {
    for (const line of ['\u200b::error::x', '\u0001::error::x', ':\u200b:error::x', '\u00a0::warning::x', '\u3000::error::x']) {
      expect(neutralizeLine(line).startsWith(NEUTRAL_MARK), JSON.stringify(line)).toBe(true);
    }
  });

  it('breaks `##[` anywhere in a line', () => {
    expect(neutralizeLine('ok ##[set-output name=x]y and ##[error]z')).toBe(`ok #${NEUTRAL_MARK}#[set-output name=x]y and #${NEUTRAL_MARK}#[error]z`);
    expect(neutralizeLine('#\u200b#\u200b[error]z')).toBe(`#${NEUTRAL_MARK}#[error]z`);
  });

  it('leaves ordinary lines alone', () => {
    for (const line of ['gate m28: GO', '  fail a: std::string broke', 'a :: b', '# heading', '[a] x', '']) expect(neutralizeLine(line)).toBe(line);
  });
});

describe('createNeutralizingWriter', () => {
  const collect = () => {
    const out: string[] = [];
    return { out, writer: createNeutralizingWriter((t) => out.push(t)) };
  };

  it('neutralises every line, across writes, for \\n, \\r\\n and a lone \\r', () => {
    const { out, writer } = collect();
    writer.write(':');
    writer.write(':error::split\nfine\r::warning::cr\r');
    writer.write('\n##');
    writer.write('[x]\n');
    writer.flush();
    const text = out.join('');
    expect(text).toBe(`${NEUTRAL_MARK}::error::split\nfine\r${NEUTRAL_MARK}::warning::cr\r\n#${NEUTRAL_MARK}#[x]\n`);
    for (const line of text.split(/\r\n|\r|\n/)) expect(looksLikeCommand(line), line).toBe(false);
  });

  it('writes gate\'s own commands raw, after any held text', () => {
    const { out, writer } = collect();
    writer.write('partial ::');
    writer.raw('::error title=x::y\n');
    expect(out.join('')).toBe('partial ::\n::error title=x::y\n');
  });

  it('holds an unfinished line until flush', () => {
    const { out, writer } = collect();
    writer.write('::notice::x');
    expect(out).toEqual([]);
    writer.flush();
    expect(out.join('')).toBe(`${NEUTRAL_MARK}::notice::x`);
  });
});

describe('neutralizeJson', () => {
  it('escapes `##[` so that the JSON parses to the same value', () => {
    const value = { reason: 'x ##[set-output name=a]b', odd: '#\u200b#[y' };
    const json = JSON.stringify(value, null, 2);
    const safe = neutralizeJson(json);
    expect(safe).not.toContain('##[');
    expect(safe).not.toMatch(/#\u200b#/);
    expect(JSON.parse(safe)).toEqual(value);
  });
});
