// Jest's settings. A file, not package.json, because the worker count is computed: one and a half
// workers per core. The S3 suites mostly wait on deadlines and slow servers, so a third worker on
// two cores keeps a core from idling; jest itself reads a percentage only up to 100% ("150%" would
// be read as 150 workers).
const { availableParallelism } = require('os');

/** @type {import('jest').Config} */
module.exports = {
  maxWorkers: Math.max(2, Math.round(availableParallelism() * 1.5)),
  preset: "ts-jest",
  testEnvironment: "<rootDir>/test/support/cpu-environment.js",
  testSequencer: "<rootDir>/test/support/sequencer.js",
  globalSetup: "<rootDir>/test/support/global-setup.js",
  globalTeardown: "<rootDir>/test/support/global-teardown.js",
  reporters: [
    "default",
    "<rootDir>/test/support/time-reporter.js"
  ],
  roots: [
    "<rootDir>/test"
  ],
  testMatch: [
    "**/*.test.ts"
  ],
  transform: {
    "^.+\\.ts$": [
      "ts-jest",
      {
        "tsconfig": "tsconfig.dev.json"
      }
    ]
  }
};
