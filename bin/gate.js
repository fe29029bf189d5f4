#!/usr/bin/env node
// The installed entry point: runs the compiled CLI (built by `npm ci` through the
// `prepare` script), never TypeScript sources, so that start-up stays fast.
import '../dist/cli.js';
