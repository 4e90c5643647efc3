/**
 * A jest reporter that prints, after the run, the time each test file took,
 * slowest first, with the run's wall time and the sum of the files' times
 * (their ratio is how well the workers were kept busy). Registered beside
 * jest's default reporter in package.json ("jest.reporters").
 */
class TimeReporter {
  constructor() {
    /** @type {Array<{ file: string; seconds: number; failed: boolean }>} */
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
    this.files.push({ file, seconds: ms / 1000, failed: result.numFailingTests > 0 || Boolean(result.testExecError) });
  }

  onRunComplete() {
    if (this.files.length === 0) return;
    const wall = (Date.now() - this.started) / 1000;
    const sum = this.files.reduce((s, f) => s + f.seconds, 0);
    const lines = [...this.files]
      .sort((a, b) => b.seconds - a.seconds || a.file.localeCompare(b.file))
      .map((f) => `${f.seconds.toFixed(1).padStart(7)} s  ${f.file}${f.failed ? '  (failed)' : ''}`);
    process.stderr.write(
      `\nTime per test file, slowest first (${this.files.length} files, ${sum.toFixed(1)} s in all, ${wall.toFixed(1)} s of wall time):\n${lines.join('\n')}\n`,
    );
  }
}

module.exports = TimeReporter;
