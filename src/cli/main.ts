#!/usr/bin/env node
// The `rfa` executable (package.json "bin"): nothing but the entry point.
import { runCli } from './program.js';

process.exitCode = await runCli(process.argv);
