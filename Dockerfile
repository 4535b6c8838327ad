# syntax=docker/dockerfile:1
#
# The shop as a container image: `docker build -t shop .` (or `podman build --format docker`,
# which keeps the HEALTHCHECK), then see docs/deploy.md ("Container") for how to run it:
# read-only root file system, one writable volume at /app/data, certificates mounted (or
# TLS_MODE=proxy behind a TLS-terminating proxy), secrets from the environment.
#
# Two stages: the build stage has the compilers (better-sqlite3 is a native module) and the
# dev dependencies (vite, esbuild, TypeScript); the runtime stage gets only the built app and
# the production dependencies, runs as the unprivileged `node` user, under an init process.

FROM node:20-bookworm-slim AS build
# python3, make and g++: node-gyp compiles better-sqlite3 when no prebuilt binary can be
# downloaded for this Node version and platform. They stay in this stage.
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
# node-gyp's headers: the ones shipped with this very Node binary (/usr/local/include/node in
# the official image), instead of a download from nodejs.org during the build.
ENV npm_config_nodedir=/usr/local
WORKDIR /app
COPY package.json package-lock.json ./
# The npm cache survives between builds (BuildKit and Buildah cache mount); the lockfile
# decides every version. Behind a TLS-intercepting proxy, pass its CA certificate as a build
# secret: `docker build --secret id=extra_ca,src=/path/to/proxy-ca.pem .`; without that
# secret nothing changes (the CA lives only in this RUN, never in a layer).
RUN --mount=type=cache,target=/root/.npm,sharing=locked \
    --mount=type=secret,id=extra_ca,required=false \
    if [ -f /run/secrets/extra_ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/extra_ca; fi \
  && npm ci --no-audit --no-fund
COPY . .
# Build with the dev dependencies, then drop them: what is left in node_modules is exactly
# what `npm ci --omit=dev` installs, with better-sqlite3 already compiled.
RUN npm run build \
  && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim AS runtime
# tini as PID 1: it passes SIGTERM on to node (which shuts down gracefully, finishing
# in-flight requests) and reaps zombies; node as PID 1 would not get the kernel's default
# signal handling. The image carries it, so no `docker run --init` is needed.
RUN apt-get update \
  && apt-get install -y --no-install-recommends tini \
  && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    PORT=4242 \
    HTTP_PORT=4243
WORKDIR /app
# Owned by root and read-only to the app: only /app/data (the volume) is the app's to write.
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/config ./config
COPY --from=build /app/client/public ./client/public
COPY --from=build /app/scripts/start.mjs /app/scripts/container-healthcheck.mjs ./scripts/
# The SQLite database (DATABASE_URL defaults to file:data/app.sqlite). A named volume starts
# as a copy of this folder, so it is the node user's too.
RUN mkdir -p /app/data && chown node:node /app/data
VOLUME ["/app/data"]
USER node
# 4242: HTTPS (or plain HTTP with TLS_MODE=proxy); 4243: the HTTP → HTTPS redirect.
EXPOSE 4242 4243
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "scripts/container-healthcheck.mjs"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "scripts/start.mjs"]
