/**
 * Under GitHub Actions the runner reads every line a step prints, on stdout and
 * stderr alike, as a possible workflow command: `::name args::data` at the start
 * of a line (after leading whitespace, which it trims), and the older
 * `##[name args]data` anywhere in a line. A check's output must never become
 * one (`::add-mask::`, `::stop-commands::`, a forged `::error::`), so every
 * line gate prints there goes through `neutralizeLine`; only gate's own
 * annotations are written around it.
 *
 * The runner compares with the culture of its host (ICU), which skips
 * "ignorable" characters such as U+200B or most C0 controls. So the patterns
 * allow those between the marker characters, and the mark inserted is a
 * visible symbol that is neither whitespace nor ignorable.
 */

/** Put before a line that would start a command: U+2423 OPEN BOX, the visible-space sign. */
export const NEUTRAL_MARK = '\u2423';

/**
 * The two patterns, made on first use: a pattern with Unicode property classes costs about 2 ms to
 * make (its character sets are built then), and only a run under GitHub Actions needs them.
 */
let patterns: { commandStart: RegExp; legacyCommand: RegExp } | undefined;
function commandPatterns(): { commandStart: RegExp; legacyCommand: RegExp } {
  patterns ??= {
    /** Leading whitespace and characters a culture-aware comparison may skip, then two colons. */
    commandStart: /^[\s\p{C}\p{M}]*:[\p{C}\p{M}]*:/u,
    /** `##[` with anything ignorable between its characters. */
    legacyCommand: /#[\p{C}\p{M}]*#[\p{C}\p{M}]*\[/gu,
  };
  return patterns;
}

/** One line (no line break in it) that the runner will not read as a command. */
export function neutralizeLine(line: string): string {
  const { commandStart, legacyCommand } = commandPatterns();
  const broken = line.replace(legacyCommand, `#${NEUTRAL_MARK}#[`);
  return commandStart.test(broken) ? `${NEUTRAL_MARK}${broken}` : broken;
}

/** The runner reads lines as .NET does: `\n`, `\r\n` and a lone `\r` each end one. */
const LINE_BREAK = /(\r\n|\r|\n)/;

export interface NeutralizingWriter {
  /** Text gate prints: each line neutralised. A line is held until its end arrives, so a command cannot be split across writes. */
  write(text: string): void;
  /** gate's own workflow commands, written as they are (after any held text). */
  raw(text: string): void;
  /** Writes a held, unfinished line. */
  flush(): void;
}

export function createNeutralizingWriter(write: (text: string) => unknown): NeutralizingWriter {
  let held = '';
  const flush = () => {
    if (held === '') return;
    write(neutralizeLine(held));
    held = '';
  };
  return {
    write(text) {
      // Lines and their breaks alternate; the last part is an unfinished line.
      const parts = (held + text).split(LINE_BREAK);
      held = parts.pop()!;
      // A `\r` at the very end may be the first half of `\r\n`: hold it with its line.
      if (held === '' && parts.length >= 2 && parts[parts.length - 1] === '\r') {
        parts.pop();
        held = `${parts.pop()!}\r`;
      }
      let out = '';
      for (let i = 0; i < parts.length; i += 2) out += neutralizeLine(parts[i]!) + parts[i + 1]!;
      if (out !== '') write(out);
    },
    raw(text) {
      if (held !== '') {
        write(`${neutralizeLine(held)}\n`);
        held = '';
      }
      write(text);
    },
    flush,
  };
}

/**
 * JSON printed under GitHub Actions: `##[` can only sit inside a string there,
 * so each of its characters is written as a `\uXXXX` escape: the text is no
 * command, and it parses to exactly the same value. (Pretty-printed JSON never
 * starts a line with `::`.)
 */
export function neutralizeJson(json: string): string {
  return json.replace(commandPatterns().legacyCommand, (match) =>
    Array.from({ length: match.length }, (_, i) => `\\u${match.charCodeAt(i).toString(16).padStart(4, '0')}`).join(''),
  );
}
