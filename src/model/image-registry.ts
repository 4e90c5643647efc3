/**
 * `global.imageRegistry`: one value that moves every image this chart renders
 * to a mirror registry, as Bitnami's charts read it.
 */
import { evaluate } from '../shapes/evaluate';
import { withRegistry as WITH_REGISTRY } from '../shapes/image-registry';

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

/** The repository pulled from `registry` (the shape `withRegistry`, src/shapes/image-registry.ts). */
export function withRegistry(repository: string, registry: string): string {
  return evaluate<string>(WITH_REGISTRY, {}, { repository, registry });
}
