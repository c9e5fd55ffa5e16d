# syntax=docker/dockerfile:1
# zombie-exporter on Node 20 (Debian bookworm-slim), as deploy/kubernetes runs it: docker build -t zombie-exporter .
# Not built in this project's CI, which has no Docker engine; test/deploy/dockerfile.test.ts checks what it can
# without one: the instructions parse, every COPY source exists, and the final stage's files run as nobody with
# production dependencies only.

# Build stage: the compiler toolchain for the optional native stat reader (node-gyp), dev dependencies for tsc.
FROM node:20-bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json binding.gyp ./
COPY scripts/build-native.mjs scripts/stamp-build.mjs scripts/
COPY native/ native/
# The install script builds build/Release/stat_batch.node; without it the exporter still runs, on node:fs, and the
# build goes on (build/ is made either way, so the runtime stage's COPY finds it). node-gyp builds against the
# headers of the image's own node, never downloading them from nodejs.org, which a build behind a firewall can't reach.
ENV npm_config_nodedir=/usr/local
RUN npm ci --no-audit --no-fund && mkdir -p build
COPY tsconfig.json tsconfig.build.json ./
COPY src/ src/
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# Runtime stage: node, the compiled JavaScript, production dependencies and the addon; no compiler, no sources.
FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules/ node_modules/
COPY --from=build /app/dist/ dist/
COPY --from=build /app/build/ build/
# nobody: everything the exporter reads is world-readable; the DaemonSet runs it with the same uid.
USER 65534:65534
EXPOSE 10070
# The node flags of dist/main.js's shebang and `npm start` (docs/performance.md).
ENTRYPOINT ["node", "--max-semi-space-size=1", "--single-threaded-gc", "--no-allocation-site-pretenuring", "/app/dist/main.js"]
