/**
 * `global.imageRegistry` applied to a repository, as a shape: `image-registry.ts`
 * `withRegistry` evaluates it; the chart's generated `infrahub-backup.resolved`
 * calls the same define.
 */
import { afterFirst, arg, format, matches, not, or, shape, startsWith, truthy, when } from './expr';

const repository = arg('repository');
const registry = arg('registry');

/**
 * The repository pulled from `registry`: its registry host (the first part,
 * when it holds a "." or a ":" or is `localhost`, as Docker reads it) is
 * replaced; a repository without one (a Docker Hub name) gets it in front.
 * An empty registry, or a repository already under it, leaves it as it is.
 */
export const withRegistry = shape('withRegistry', 'A repository pulled from a registry (global.imageRegistry)', ['repository', 'registry'],
  when(
    // Already there (a repository set to the mirror by hand): unchanged, never doubled.
    or(not(truthy(registry)), startsWith(repository, format('%s/', registry))),
    repository,
    format('%s/%s', registry, when(matches('^([^/]*[.:][^/]*|localhost)/', repository), afterFirst('/', repository), repository)),
  ),
);
