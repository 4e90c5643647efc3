/**
 * The order jest starts the test files in: the longest first, so that no long
 * file starts last and runs alone at the end. Jest's own sequencer does that
 * from the times of the previous run in its cache; a fresh checkout (CI) has
 * none, and jest then orders by file size, which puts the two longest files
 * (the Helm equivalence suite and the maximum-age oracle) mid-run. Here a file
 * without a cached time takes its time from test/support/durations.json
 * (seconds measured on a 2-core machine, printed by test/support/time-reporter.js;
 * only their order matters), else a second.
 */
const Sequencer = require('@jest/test-sequencer').default;
const { relative } = require('path');
const DURATIONS = require('./durations.json');

class LongestFirst extends Sequencer {
  time(test) {
    const cached = super.time(test);
    if (cached != null) return cached;
    const known = DURATIONS[relative(test.context.config.rootDir, test.path).split('\\').join('/')];
    return (known ?? 1) * 1000;
  }
}

module.exports = LongestFirst;
