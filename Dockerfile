# mdhub image: the compiled hub with production dependencies only. `docker compose up -d` runs it as the API
# (serve) and as the sync worker; see docker-compose.yml and README.md.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# A local stand-in package the lock file links to (see packaging/README.md).
COPY packaging ./packaging
RUN npm ci --no-audit --no-fund
# Everything .dockerignore lets through; tsc compiles only src/ and connectors/ (tsconfig.build.json).
COPY . .
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
ENV NODE_ENV=production HOST=0.0.0.0 PORT=4000
WORKDIR /app
# Code stays owned by root, so the process cannot change it; only data/ (the embedded database, used when
# DATABASE_URL is unset) is the node user's.
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/packaging ./packaging
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY migrations ./migrations
COPY schema ./schema
RUN mkdir data && chown node:node data
USER node
EXPOSE 4000
# Liveness only; readiness (database reachable) is /readyz. Slim images have no curl, so node's fetch asks.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 4000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/src/main.js", "serve"]
