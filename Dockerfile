# The repo-qa service: the Fastify API over both pipelines, run from TypeScript source with tsx
# (a runtime dependency), exactly as `npm start` runs it on a workstation.
FROM node:20.19.5-slim

ENV NODE_ENV=production
WORKDIR /app

# Dependencies first, so source edits do not invalidate the install layer.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

COPY tsconfig.json ./
COPY src ./src
COPY graphs ./graphs
COPY specialists ./specialists
# The bundled sample repository is the default REPO_PATH; mount another at /repo and set REPO_PATH.
COPY harness/fixtures/sample-repo ./harness/fixtures/sample-repo

# The index cache and the state file are written at run time; named volumes mounted here inherit this ownership.
RUN mkdir -p .cache/index .cache/state && chown -R node:node .cache
USER node

# Listen on every interface inside the container; publish the port to choose who can reach it.
ENV HOST=0.0.0.0 PORT=8080
EXPOSE 8080

# Ready once the repository is indexed (/readyz answers 503 NOT_READY while it builds).
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=30 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

CMD ["npm", "start"]
