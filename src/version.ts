/** The version of this package; also the chart's version and appVersion. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const PACKAGE_VERSION: string = require('../package.json').version;
