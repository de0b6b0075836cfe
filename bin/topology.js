#!/usr/bin/env node
// The `topology` command. tsx's require hook lets the CLI load topology files written in TypeScript
// (`--topology my-topology.ts`) without a build step.
'use strict';
require('tsx/cjs');
require('../src/cli/main.ts').main(process.argv.slice(2));
