// Jest's globalTeardown: removes the run's temporary folders made by global-setup.js.
'use strict';
const { rmSync } = require('fs');

module.exports = async function globalTeardown() {
  for (const dir of [process.env.IBC_TEST_RUN_DIR, process.env.IBC_TEST_SHM_DIR]) {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
};
