/**
 * `global.imageRegistry`: one value that moves every image this chart renders
 * to a mirror registry, as Bitnami's charts read it. The chart's
 * `infrahub-backup.withRegistry` helper repeats `withRegistry`.
 */

const LABEL = '[a-z0-9]+(-+[a-z0-9]+)*';
const PORT = ':[0-9]+';
const PATH = '(/[a-z0-9]+([._-][a-z0-9]+)*)*';

/**
 * A registry host, with an optional port and path: `mirror.example.com`,
 * `harbor.example.com:8443/proxy`, `localhost:5000`. The host is one as Docker
 * reads the first part of an image name: with a "." or a port, or
 * `localhost`; anything else (`mirror`) is a Docker Hub account, whose images
 * anyone could publish.
 */
export const IMAGE_REGISTRY_PATTERN = `^(${LABEL}(\\.${LABEL})+(${PORT})?|localhost(${PORT})?|${LABEL}${PORT})${PATH}$`;

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
