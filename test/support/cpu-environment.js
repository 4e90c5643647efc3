// Jest's test environment: Node's, plus the CPU time each test file cost. It reads the worker's own
// CPU time and that of its ended child processes (Helm, npm, tsc, promtool: /proc/self/stat on Linux)
// when the file's environment is set up and again when it is torn down, after the file's last hook,
// and appends the difference to <IBC_TEST_RUN_DIR>/cpu/<worker pid>.jsonl for time-reporter.js.
// Elsewhere than Linux it reads process.cpuUsage() (the worker alone).
'use strict';
const { appendFileSync, mkdirSync, readFileSync } = require('fs');
const { join } = require('path');
const NodeEnvironment = require('jest-environment-node').TestEnvironment;

const TICKS_PER_SECOND = 100;

/** Seconds of CPU used by this process and its waited-for children so far. */
function cpuSeconds() {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    // Fields after the command name (which may contain spaces): state is field 3, utime 14 ... cstime 17.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = fields.slice(11, 15).reduce((sum, f) => sum + Number(f), 0);
    return ticks / TICKS_PER_SECOND;
  } catch {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1e6;
  }
}

class CpuEnvironment extends NodeEnvironment {
  constructor(config, context) {
    super(config, context);
    this.testPath = context.testPath;
  }

  async setup() {
    this.started = cpuSeconds();
    await super.setup();
  }

  async teardown() {
    await super.teardown();
    const run = process.env.IBC_TEST_RUN_DIR;
    if (!run || this.started === undefined) return;
    const folder = join(run, 'cpu');
    mkdirSync(folder, { recursive: true });
    const line = JSON.stringify({ file: this.testPath, cpu: cpuSeconds() - this.started });
    appendFileSync(join(folder, `${process.pid}.jsonl`), `${line}\n`);
  }
}

module.exports = CpuEnvironment;
