/**
 * The catalogue of reasons: every kebab-case `ReasonCode` and the one line a
 * person reads for it, rendered by one exhaustive switch.
 */
import type { ReasonDetail } from '../model/types.js';

export type { ReasonDetail };


const mib = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MiB`;
const andMore = (more: number) => (more > 0 ? ` (and ${more} more)` : '');

export function describeReason(detail: ReasonDetail): string {
  switch (detail.code) {
    case 'passed':
      return 'passed';
    case 'passed-on-retry':
      return `passed on attempt ${detail.attempts} after failing before`;
    case 'assertion-failed':
      return `${detail.first}${andMore(detail.more)}`;
    case 'exit-code':
      return `exit code ${detail.exitCode}, expected ${detail.expected.join(' or ')}${detail.failed.length ? `; ${detail.failed[0]}${andMore(detail.failed.length - 1)}` : ''}`;
    case 'timeout':
      return `timed out after ${detail.timeoutMs} ms${detail.signals.length ? ` (sent ${detail.signals.join(', then ')})` : ''}`;
    case 'crashed':
      return `crashed: killed by signal ${detail.signal}`;
    case 'not-startable':
      return `could not start ${JSON.stringify(detail.command)}: ${detail.errno} (${detail.message})`;
    case 'invalid-json':
      return `invalid JSON in ${detail.source}: ${detail.message}`;
    case 'no-json-output':
      return `no JSON evidence: ${detail.source} is empty (set "output": "text" for a check that prints no JSON)`;
    case 'output-too-large':
      return detail.what === 'json'
        ? `JSON evidence in ${detail.source} is ${mib(detail.bytes)}, over the ${mib(detail.limit)} limit`
        : `wrote ${mib(detail.bytes)} to ${detail.source}, over the ${mib(detail.limit)} output limit; gate ended it`;
    case 'unreadable-evidence':
      return `cannot read ${detail.source} as evidence: ${detail.message}`;
    case 'output-schema':
      return `output breaks its outputSchema: ${detail.first}${andMore(detail.more)}`;
    case 'evidence-missing':
      return `evidence missing or unreadable: ${detail.globs.map((g) => JSON.stringify(g)).join(', ')}`;
    case 'injection-not-detected':
      return 'injection not detected';
    case 'blocked':
      return `dependency did not pass: ${detail.chain.join(' -> ')} (${detail.rootStatus})`;
    case 'filtered':
      return 'filtered out by --only/--skip';
    case 'fail-fast':
      return 'fail-fast';
    case 'interrupted':
      if (!detail.started) return 'the run was interrupted before it started';
      return detail.waitingAfter === undefined ? 'interrupted while running' : `interrupted while waiting to retry (attempt ${detail.waitingAfter} did not pass)`;
    case 'waived':
      return `waived (${detail.was}) until ${detail.expires}: ${detail.reason}`;
    case 'internal-error':
      return `internal error in gate (this is a bug): ${detail.message}`;
  }
}
