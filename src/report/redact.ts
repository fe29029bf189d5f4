/**
 * Secrets never reach a log or a report. The values of environment variables
 * whose names look secret, and of those the gate lists under `redact`, are
 * replaced with `[REDACTED]` in every file gate writes and every line it
 * prints: in their plain, JSON-escaped, base64 and URL-encoded forms.
 */

export const REDACTED = '[REDACTED]';

/** Names that look secret. */
const SECRET_NAME = /TOKEN|SECRET|PASSWORD|PASSWD|API_?KEY|PRIVATE_?KEY|CREDENTIAL/i;
/** Shorter values are too likely to be ordinary words to mask everywhere. */
const MIN_PATTERN_LENGTH = 6;
/** A value the gate names explicitly is masked from this length on. */
const MIN_LISTED_LENGTH = 3;

export type Redactor = (text: string) => string;

export function secretValues(envs: Record<string, string | undefined>[], listed: string[]): string[] {
  const values = new Set<string>();
  const names = new Set(listed);
  for (const env of envs) {
    for (const [name, value] of Object.entries(env)) {
      if (value === undefined) continue;
      if (names.has(name) && value.length >= MIN_LISTED_LENGTH) values.add(value);
      else if (SECRET_NAME.test(name) && value.length >= MIN_PATTERN_LENGTH) values.add(value);
    }
  }
  return [...values];
}

function forms(secret: string): string[] {
  const base64 = Buffer.from(secret, 'utf8').toString('base64');
  return [
    secret,
    JSON.stringify(secret).slice(1, -1),
    encodeURIComponent(secret),
    base64,
    base64.replace(/=+$/, ''),
    Buffer.from(secret, 'utf8').toString('base64url'),
  ];
}

export function createRedactor(secrets: string[]): Redactor {
  const all = [...new Set(secrets.flatMap(forms))].filter((f) => f.length > 0).sort((a, b) => b.length - a.length);
  if (all.length === 0) return (text) => text;
  const escaped = all.map((f) => f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const pattern = new RegExp(escaped.join('|'), 'g');
  return (text) => text.replace(pattern, REDACTED);
}

/** Every secret a gate run could expose: from gate's own environment and from the gate file's env blocks. */
export function redactorFor(
  gate: {
    env: Record<string, string>;
    envFile?: { values: Record<string, string> };
    redact: string[];
    checks: { env: Record<string, string>; injectFail?: { env: Record<string, string> } }[];
  },
  env: Record<string, string | undefined>,
): Redactor {
  const envs = [env, gate.env, gate.envFile?.values ?? {}, ...gate.checks.flatMap((c) => [c.env, c.injectFail?.env ?? {}])];
  return createRedactor(secretValues(envs, gate.redact));
}

/**
 * A copy of a value with every string masked. Applied to the report before any
 * renderer sees it, so that escaping (XML, Markdown) cannot change a secret into
 * a form the final pass over the files would miss.
 */
export function redactDeep<T>(value: T, redact: Redactor): T {
  if (typeof value === 'string') return redact(value) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => redactDeep(v, redact)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactDeep(v, redact)])) as T;
  }
  return value;
}
