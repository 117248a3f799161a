# The after-hours daemon and CRM worker (one image, two commands in docker-compose.yml).
# Built from the repository root; the app lives at /app, the same path at which the
# asterisk service mounts the repository, so sound paths agree.
FROM node:20-bookworm-slim
# lame: the CRM worker adds an MP3 copy to voicemail e-mail (WAV only without it)
RUN apt-get update && apt-get install -y --no-install-recommends lame && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev --no-audit --no-fund
ENV NODE_ENV=production
# The daemon's event spool survives container restarts on a named volume (docker-compose.yml).
RUN mkdir -p /home/node/spool && chown node:node /home/node/spool
USER node
ENTRYPOINT ["node", "dist/src/cli/main.js"]
