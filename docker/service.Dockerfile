# The reference service image: `serve` (the API, default) and the one-shot commands (migrate, scrape, embed, eval).
# Build context is service/ (its .dockerignore keeps node_modules, dist and tests out):
#   docker build --network host [--secret id=npm_ca,src=CA_BUNDLE] -f docker/service.Dockerfile service
# --network host only because the sandbox's bridge has no egress and `npm ci` needs the registry.

FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# Optional build secret `npm_ca`: a CA bundle for networks whose TLS is intercepted by a proxy. It is used for
# this one command and never stored in a layer (docker build --secret id=npm_ca,src=FILE).
RUN --mount=type=cache,target=/root/.npm \
    --mount=type=secret,id=npm_ca \
    if [ -s /run/secrets/npm_ca ]; then export NPM_CONFIG_CAFILE=/run/secrets/npm_ca; fi \
    && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error

FROM deps AS build
COPY tsconfig.json ./
COPY src ./src
RUN npm run build

# --omit=optional drops chromadb's bundled server binaries (51 MB; the service only uses its HTTP client) and
# pg's Cloudflare socket shim.
FROM deps AS prod-deps
RUN npm prune --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund --loglevel=error

# Hot-reload target for compose.dev.yaml: sources are bind-mounted over /app/src.
FROM deps AS dev
COPY tsconfig.json ./
COPY src ./src
COPY migrations ./migrations
COPY corpus ./corpus
COPY eval ./eval
RUN mkdir -p /data
USER 1000:1000
ENV NODE_ENV=development
EXPOSE 8080 9229
ENTRYPOINT ["node_modules/.bin/tsx"]
CMD ["watch", "--inspect=0.0.0.0:9229", "src/cli.ts", "serve"]

FROM node:24-bookworm-slim AS runtime
WORKDIR /app
# Code and data stay owned by root: the node user (uid 1000 in node images) can run them but not change them.
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY migrations ./migrations
COPY corpus ./corpus
COPY eval ./eval
# DATA_DIR: the volume whose free space /health/detailed reports.
RUN mkdir -p /data
USER 1000:1000
EXPOSE 8080
# node is PID 1 and installs its own SIGTERM/SIGINT handlers (drain, then exit 0), so no init is needed.
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "dist/cli.js", "healthcheck"]
ENTRYPOINT ["node", "--enable-source-maps", "dist/cli.js"]
CMD ["serve"]

# Build metadata last, so a new commit does not invalidate the layers above.
ARG VERSION=0.0.0-dev
ARG GIT_SHA=unknown
ARG BUILD_DATE=unknown
ARG SOURCE_URL=https://github.com/slipway/slipway
LABEL org.opencontainers.image.source="${SOURCE_URL}" \
      org.opencontainers.image.revision="${GIT_SHA}" \
      org.opencontainers.image.created="${BUILD_DATE}" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.title="slipway-reference-service" \
      org.opencontainers.image.description="Slipway reference service: hybrid retrieval API over PostgreSQL and ChromaDB" \
      org.opencontainers.image.licenses="MIT"
ENV NODE_ENV=production \
    APP_VERSION="${VERSION}" \
    GIT_SHA="${GIT_SHA}" \
    BUILD_DATE="${BUILD_DATE}"
