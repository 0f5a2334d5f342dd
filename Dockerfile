# syntax=docker/dockerfile:1
# One image for both Cloud Run services: FUNCTION_TARGET (set per service) picks `api` or
# `worker`. Its default, `local`, serves both roles on the embedded adapters, so a plain
# `docker run -p 8080:8080 IMAGE` is a complete service with no cloud account.
# One artifact means the api and the worker always run the same code and task schema; the api
# carries ffmpeg it never starts, which costs image size but not memory (Cloud Run does not
# count the image against the instance's memory).
# For builds that must not change under a moved tag, pin it by digest:
#   NODE_IMAGE=node:24-bookworm-slim@sha256:<digest>   (docker buildx imagetools inspect node:24-bookworm-slim)
ARG NODE_IMAGE=node:24-bookworm-slim

# --- compile TypeScript -------------------------------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# No install scripts: the build needs only the compiler, and the dev tooling's scripts (the
# `node` binary package, native test helpers) would fetch or compile things nothing here uses.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY functions ./functions
# The compiler run by the image's own node (npm run build would put the uninstalled `node`
# devDependency first on PATH).
RUN node node_modules/typescript/bin/tsc -p tsconfig.build.json
# The studio page: static assets in dist/studio (Vite and Preact are build tools only; the
# runtime stage gets the built files with dist/).
RUN node node_modules/vite/bin/vite.js build --config functions/studio/vite.config.ts

# --- production dependencies only ---------------------------------------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# --omit=optional drops ffmpeg-static: the image uses Debian's ffmpeg, which has libass.
RUN npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force

# --- runtime ------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
# The same system packages as scripts/setup.sh: ffmpeg (with libass for captions), the offline
# voice, and the caption fonts (Latin, UI and CJK scripts, and League Spartan for the bold presets).
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      ffmpeg espeak-ng fontconfig fonts-dejavu-core fonts-noto-core fonts-noto-ui-core fonts-noto-cjk fonts-league-spartan \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /var/lib/reelsmith \
 && chown node:node /var/lib/reelsmith

WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./

# DATA_DIR holds the local-mode task store and files; on Cloud Run (Firestore + Cloud Storage)
# nothing durable is written there. PORT is what Cloud Run injects; 8080 is its default.
# MALLOC_ARENA_MAX=2: glibc keeps fewer arenas of freed memory (the download buffers node frees
# after a task); with the CMD's small young generation it takes about 75 MiB off node's peak in a
# task at no measurable CPU cost (BENCHMARKS.md, node's own memory).
ENV NODE_ENV=production \
    DATA_DIR=/var/lib/reelsmith \
    FUNCTION_TARGET=local \
    PORT=8080 \
    MALLOC_ARENA_MAX=2
EXPOSE 8080

# The `node` user of the base image (uid 1000): ffmpeg never runs as root.
USER node

# node itself is PID 1 (not npm, which would swallow SIGTERM): server.ts drains on SIGTERM,
# handing running tasks back within Cloud Run's 10 s grace period, and reaps its ffmpeg children.
# --max-semi-space-size=2 (MiB): V8 scavenges sooner, so dead download buffers go before the young
# generation grows to 64 MiB and stays that size.
CMD ["node", "--max-semi-space-size=2", "dist/functions/server.js"]
