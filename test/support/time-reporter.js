/**
 * A jest reporter that prints, after the run, the time each test file took,
 * slowest first, with the run's wall time and the sum of the files' times
 * (their ratio is how well the workers were kept busy), and the CPU time each
 * file cost, its child processes included, and the part of it spent in child
 * processes (Helm, npm, tsc, promtool, Go), as cpu-environment.js wrote them
 * down. Registered beside jest's default reporter in jest.config.js.
 */
class TimeReporter {
  constructor() {
    /** @type {Array<{ file: string; path: string; seconds: number; failed: boolean }>} */
    this.files = [];
    this.started = Date.now();
  }

  onRunStart() {
    this.started = Date.now();
  }

  onTestResult(test, result) {
    const perf = result.perfStats ?? {};
    const ms = perf.runtime ?? (perf.end && perf.start ? perf.end - perf.start : 0);
    const file = require('path').relative(test.context?.config?.rootDir ?? process.cwd(), result.testFilePath);
    this.files.push({ file, path: result.testFilePath, seconds: ms / 1000, failed: result.numFailingTests > 0 || Boolean(result.testExecError) });
  }

  onRunComplete() {
    if (this.files.length === 0) return;
    const wall = (Date.now() - this.started) / 1000;
    const sum = this.files.reduce((s, f) => s + f.seconds, 0);
    const cpu = cpuPerFile();
    const cpuSum = [...cpu.values()].reduce((s, c) => s + c.cpu, 0);
    const childrenSum = [...cpu.values()].reduce((s, c) => s + c.children, 0);
    const lines = [...this.files]
      .sort((a, b) => b.seconds - a.seconds || a.file.localeCompare(b.file))
      .map((f) => {
        const used = cpu.get(f.path);
        const cpuText = used === undefined ? '' : `${used.cpu.toFixed(1).padStart(7)} s CPU ${used.children.toFixed(1).padStart(6)} s in children`;
        return `${f.seconds.toFixed(1).padStart(7)} s ${cpuText}  ${f.file}${f.failed ? '  (failed)' : ''}`;
      });
    process.stderr.write(
      `\nTime per test file, slowest first (${this.files.length} files, ${sum.toFixed(1)} s in all, ` +
        `${cpuSum.toFixed(1)} s of CPU of which ${childrenSum.toFixed(1)} s in child processes, ${wall.toFixed(1)} s of wall time):\n${lines.join('\n')}\n`,
    );
  }
}

/** The CPU seconds of each test file (by its path as jest gives it) and of its child processes, from <IBC_TEST_RUN_DIR>/cpu/*.jsonl. */
function cpuPerFile() {
  const { readdirSync, readFileSync } = require('fs');
  const { join } = require('path');
  const cpu = new Map();
  const run = process.env.IBC_TEST_RUN_DIR;
  if (!run) return cpu;
  let names;
  try {
    names = readdirSync(join(run, 'cpu'));
  } catch {
    return cpu;
  }
  for (const name of names) {
    for (const line of readFileSync(join(run, 'cpu', name), 'utf8').split('\n')) {
      if (line === '') continue;
      const { file, cpu: seconds, children = 0 } = JSON.parse(line);
      const known = cpu.get(file) ?? { cpu: 0, children: 0 };
      cpu.set(file, { cpu: known.cpu + seconds, children: known.children + children });
    }
  }
  return cpu;
}

module.exports = TimeReporter;
