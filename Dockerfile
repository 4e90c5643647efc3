# syntax=docker/dockerfile:1
#
# infrahub-backup-cdk8s: the CLI (synth, chart, version, the S3 helpers) and
# the Argo CD config-management plugin sidecar, for linux/amd64 and linux/arm64.
#
#   docker buildx build --platform linux/amd64,linux/arm64 -t <registry>/infrahub-backup-cdk8s:<version> .
#   docker run --rm <image> version
#
# The builder stages run on the build machine's platform ($BUILDPLATFORM): the
# package is plain JavaScript, and the one native dependency (esbuild, under
# tsx) is picked for the target with npm's --os/--cpu. Only the last stage is
# of the target platform. test/package/packed-install.test.ts runs the same
# pack-and-install steps without Docker.
#
# The image holds what the construct library leaves out: tsx (the Argo CD
# plugin runs TypeScript cdk8s apps with it), at the version package-lock.json
# pins, and the peer dependencies cdk8s, constructs and cdk8s-plus-28, which
# npm installs with the package. The S3 client is bundled into the package.

# Node.js 24: the line the whole test suite runs on in CI (.ci/run), LTS with
# security fixes until April 2028. The library is also tested on 20, 22 and 26
# (test/package/consumer-app.test.ts); the image moves to 26 once the suite runs on it.
ARG NODE_VERSION=24

# 1. Build and pack, with the development dependencies.
FROM --platform=$BUILDPLATFORM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json README.md API.md CHANGELOG.md LICENSE ./
COPY bin ./bin
COPY scripts ./scripts
COPY src ./src
COPY chart ./chart
COPY examples/values ./examples/values
COPY argocd ./argocd
RUN npm run build \
 && mkdir /pack \
 && npm pack --pack-destination /pack \
 && mv /pack/infrahub-backup-cdk8s-*.tgz /pack/infrahub-backup-cdk8s.tgz

# 2. Install the packed tarball, production dependencies only, into an empty project.
FROM --platform=$BUILDPLATFORM node:${NODE_VERSION}-bookworm-slim AS install
ARG TARGETOS
ARG TARGETARCH
WORKDIR /opt/infrahub-backup-cdk8s
COPY --from=build /pack/infrahub-backup-cdk8s.tgz /tmp/
COPY package-lock.json /tmp/
RUN echo '{"name":"infrahub-backup-cdk8s-image","private":true}' > package.json \
 && case "$TARGETARCH" in amd64) cpu=x64 ;; *) cpu="$TARGETARCH" ;; esac \
 && tsx="tsx@$(node -p 'require("/tmp/package-lock.json").packages["node_modules/tsx"].version')" \
 && npm install --omit=dev --ignore-scripts --no-audit --no-fund --os="${TARGETOS:-linux}" --cpu="$cpu" /tmp/infrahub-backup-cdk8s.tgz "$tsx" \
 && npm cache clean --force \
 && rm /tmp/infrahub-backup-cdk8s.tgz /tmp/package-lock.json

# 3. The image: Node.js, the installed package, the plugin configuration.
FROM node:${NODE_VERSION}-bookworm-slim
# Argo CD runs plugin sidecars as uid 999.
RUN groupadd --gid 999 argocd \
 && useradd --uid 999 --gid 999 --home-dir /home/argocd --create-home --shell /usr/sbin/nologin argocd
COPY --from=install /opt/infrahub-backup-cdk8s /opt/infrahub-backup-cdk8s
COPY --chown=999:999 argocd/plugin.yaml /home/argocd/cmp-server/config/plugin.yaml
# The CLI from a V8 startup snapshot of this image's Node.js binary, built here
# on the target platform (with the esbuild that tsx brings): the launcher in
# /opt/infrahub-backup-cdk8s/snapshot/bin runs it when the snapshot still
# matches the node on PATH, and the package's bin otherwise
# (INFRAHUB_BACKUP_SNAPSHOT=off forces the latter). The script compares both
# ways on every example before it keeps the snapshot. Owned by root: the user
# that runs the image, and a cdk8s app the plugin runs, cannot change it.
COPY scripts/snapshot.js /tmp/snapshot.js
RUN node /tmp/snapshot.js /opt/infrahub-backup-cdk8s/snapshot --package /opt/infrahub-backup-cdk8s/node_modules/infrahub-backup-cdk8s \
 && rm /tmp/snapshot.js
ENV PATH=/opt/infrahub-backup-cdk8s/snapshot/bin:/opt/infrahub-backup-cdk8s/node_modules/.bin:$PATH \
    NODE_ENV=production \
    HOME=/home/argocd
# Node.js's compile cache of the CLI's modules, for the package's bin when the
# launcher cannot use the snapshot: filled for this image's binary and user by
# one synth (the bin turns the cache on; Node.js keeps one per binary and uid,
# and ignores a cache that does not match, so another binary or user only runs
# slower), then handed to root and made read-only, in a directory whose every
# parent belongs to root, so that nothing that runs as the image's user (a
# cdk8s app in the plugin's app mode) can write, replace or rename code the
# next run would load. Node.js reads it and skips the writes.
ENV NODE_COMPILE_CACHE=/opt/infrahub-backup-cdk8s/compile-cache
RUN mkdir /opt/infrahub-backup-cdk8s/compile-cache \
 && chown 999:999 /opt/infrahub-backup-cdk8s/compile-cache
USER 999:999
WORKDIR /home/argocd
RUN INFRAHUB_BACKUP_SNAPSHOT=off infrahub-backup-cdk8s synth -f /opt/infrahub-backup-cdk8s/node_modules/infrahub-backup-cdk8s/examples/values/scheduled-s3.yaml > /dev/null \
 && INFRAHUB_BACKUP_SNAPSHOT=off infrahub-backup-cdk8s version > /dev/null
USER 0:0
RUN chown -R 0:0 /opt/infrahub-backup-cdk8s/compile-cache \
 && chmod -R a+rX,a-w /opt/infrahub-backup-cdk8s/compile-cache
USER 999:999
ENTRYPOINT ["infrahub-backup-cdk8s"]
CMD ["--help"]
