// Jest's test environment: Node's, plus the CPU time each test file cost. It reads the worker's own
// CPU time and that of its ended child processes (Helm, npm, tsc, promtool: /proc/self/stat on Linux)
// when the file's environment is set up and again when it is torn down, after the file's last hook,
// and appends the difference, and the part of it the children used, to
// <IBC_TEST_RUN_DIR>/cpu/<worker pid>.jsonl for time-reporter.js.
// Elsewhere than Linux it reads process.cpuUsage() (the worker alone).
'use strict';
const { appendFileSync, mkdirSync, readFileSync } = require('fs');
const { join } = require('path');
const NodeEnvironment = require('jest-environment-node').TestEnvironment;

const TICKS_PER_SECOND = 100;

/** Seconds of CPU used so far by this process (own) and by its waited-for children (children). */
function cpuSeconds() {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    // Fields after the command name (which may contain spaces): state is field 3, utime 14 ... cstime 17.
    const [utime, stime, cutime, cstime] = stat.slice(stat.lastIndexOf(')') + 2).split(' ').slice(11, 15).map(Number);
    return { own: (utime + stime) / TICKS_PER_SECOND, children: (cutime + cstime) / TICKS_PER_SECOND };
  } catch {
    const { user, system } = process.cpuUsage();
    return { own: (user + system) / 1e6, children: 0 };
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
    const now = cpuSeconds();
    const children = now.children - this.started.children;
    const line = JSON.stringify({ file: this.testPath, cpu: now.own - this.started.own + children, children });
    appendFileSync(join(folder, `${process.pid}.jsonl`), `${line}\n`);
  }
}

module.exports = CpuEnvironment;
