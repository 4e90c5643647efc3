export * from './model/values.generated';
export { ValuesError, ValuesProblem } from './model/errors';
export { InfrahubBackup, InfrahubBackupProps } from './constructs/infrahub-backup';
export { InfrahubBackupChart, InfrahubBackupChartProps } from './constructs/infrahub-backup-chart';
export { synthValues, SynthOptions } from './synth';
export { valuesSchema, defaultValues } from './model/schema';
