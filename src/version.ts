/** The version of this package; also the chart's version and appVersion. */
export const PACKAGE_VERSION: string = (require('../package.json') as { version: string }).version;
