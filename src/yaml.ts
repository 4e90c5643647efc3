/**
 * The `yaml` library, loaded once per process. cdk8s ships its own copy of
 * yaml (a bundled dependency, installed inside cdk8s) and loads it with
 * itself; this project reads YAML with that same copy, so a synthesis loads
 * one yaml, not two. When an installed cdk8s carries no copy of its own, the
 * package's `yaml` dependency is used. Both requires are plain strings, so a
 * bundler resolves them to the same file cdk8s uses.
 */
import type * as Yaml from 'yaml';

function load(): typeof Yaml {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- cdk8s's own copy, when the installed cdk8s has one
    return require('cdk8s/node_modules/yaml') as typeof Yaml;
  } catch {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the fallback of the require above
    return require('yaml') as typeof Yaml;
  }
}

const yaml = load();

export const { Document, LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument, parseAllDocuments, stringify, visit } = yaml;
/** A parsed YAML document (the class above, as a type). */
export type Document = Yaml.Document;
/** Line and column positions of a parse (the class above, as a type). */
export type LineCounter = Yaml.LineCounter;
export type { Alias, DocumentOptions, Node, Pair, Scalar, ScalarTag, SchemaOptions, Tags, ToStringOptions } from 'yaml';
