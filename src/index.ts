export * from './model/values.generated';
export { ValuesError } from './model/errors';
export type { ValuesProblem } from './model/errors';
export { InfrahubBackup } from './constructs/infrahub-backup';
export type { InfrahubBackupProps } from './constructs/infrahub-backup';
export { InfrahubBackupChart } from './constructs/infrahub-backup-chart';
export type { InfrahubBackupChartProps } from './constructs/infrahub-backup-chart';
export { InfrahubBackupManifests } from './manifests';
export type { SynthOptions } from './synth';
