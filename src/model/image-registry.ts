/**
 * `global.imageRegistry`: one value that moves every image this chart renders
 * to a mirror registry, as Bitnami's charts read it. The chart's
 * `infrahub-backup.withRegistry` helper repeats `withRegistry`.
 */

/** A registry host, with an optional port and path: `mirror.example.com`, `harbor.example.com:8443/proxy`. */
export const IMAGE_REGISTRY_PATTERN = '^[a-z0-9]+([._:/-][a-z0-9]+)*$';

/**
 * The repository pulled from `registry`: its registry host (the first part,
 * when it holds a "." or a ":" or is `localhost`, as Docker reads it) is
 * replaced; a repository without one (a Docker Hub name) gets it in front.
 * An empty registry, or a repository already under it, is left as it is.
 */
export function withRegistry(repository: string, registry: string): string {
  // Already there (a repository set to the mirror by hand): unchanged, never doubled.
  if (!registry || repository.startsWith(`${registry}/`)) return repository;
  const parts = repository.split('/');
  const first = parts[0];
  if (parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost')) return [registry, ...parts.slice(1)].join('/');
  return `${registry}/${repository}`;
}
