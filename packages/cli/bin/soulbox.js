#!/usr/bin/env node
// A committed, executable entry point: npm links it as `soulbox` at `npm ci` time, before
// `tsc -b` has produced dist/ (a bin pointing into dist/ would not be executable then).
import '../dist/main.js';
