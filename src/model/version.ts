declare const __GATE_VERSION__: string;

/** gate's version: set by the bundler from package.json; `0.0.0-dev` when run from source. */
export const GATE_VERSION = typeof __GATE_VERSION__ === 'string' ? __GATE_VERSION__ : '0.0.0-dev';
