/**
 * Where the commands write and what environment they read: one interface for
 * the CLI, the `s3` commands and the Argo CD plugin, replaced in tests. Types
 * only: no module loads anything through this file.
 */

/** Where a command writes, and the environment it reads. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: NodeJS.ProcessEnv;
}

/** The CLI's io, plus where an s3 command reports its exit code when it finishes (its actions are asynchronous). */
export interface S3Io extends CliIo {
  /** Receives the exit code once the command finishes; default: sets process.exitCode when it is not 0. */
  readonly exit?: (code: number) => void;
  /**
   * Internal, never set by the CLI: the window of the minimum-throughput rule
   * (throughput.ts), in milliseconds, instead of the longer of 10 s and
   * --timeout. Tests shorten it to check the rule without waiting 10 s.
   */
  readonly throughputWindowMs?: number;
}

/** Where `argocd generate` writes its diagnostics (the manifests are its result). */
export type GenerateIo = Pick<CliIo, 'stderr'>;
