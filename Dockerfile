# after-hours production image: the daemon and the CRM worker (one image, the verb picks one).
#
#   docker build -t after-hours .
#   docker run --rm after-hours --version
#   docker run -d -e ARI_URL=... -e ARI_PASSWORD_FILE=/run/secrets/ari_password \
#     -v /etc/after-hours:/etc/after-hours/config:ro after-hours start --config /etc/after-hours/config/after-hours.yaml
#
# docker-compose.yml's `production` profile runs it with Redis (AOF on a volume). The test
# stack's image is scripts/docker/node.Dockerfile, not this one.

# ---- build: all dependencies, TypeScript to dist/
FROM node:24-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

# ---- runtime: dist/src, the files it reads at run time, production dependencies only
FROM node:24-bookworm-slim
# docker build --build-arg VERSION=$(node -p 'require("./package.json").version') \
#   --build-arg REVISION=$(git rev-parse HEAD) --build-arg CREATED=$(date -u +%FT%TZ) -t after-hours .
ARG VERSION=unknown
ARG REVISION=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.title="after-hours" \
      org.opencontainers.image.description="Working hours for phone numbers on any Asterisk PBX: an ARI daemon that routes calls by schedule, and a CRM worker." \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.source="https://github.com/after-hours/after-hours" \
      org.opencontainers.image.url="https://github.com/after-hours/after-hours#readme" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}"
ENV NODE_ENV=production
# ffmpeg: own recordings (`sound add`, the console's Sounds upload) are converted with it;
# lame: the CRM worker adds an MP3 copy to voicemail e-mail (WAV only without it);
# tini: PID 1 that forwards SIGTERM to node (the daemon's drain) and reaps the ffmpeg and lame
# children, so the image needs no `docker run --init`
RUN apt-get update && apt-get install -y --no-install-recommends ffmpeg lame tini && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/after-hours
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /src/dist/src ./dist/src
COPY config/schema ./config/schema
COPY config/after-hours.yaml config/holidays.ics ./config/
COPY sounds ./sounds
COPY LICENSE README.md CHANGELOG.md ./
RUN chmod 755 dist/src/cli/main.js \
 && ln -s /opt/after-hours/dist/src/cli/main.js /usr/local/bin/after-hours \
 && mkdir -p /var/lib/after-hours/spool /etc/after-hours \
 && chown -R node:node /var/lib/after-hours
# the event spool: put it on a volume so events written while Redis is away survive a restart
ENV SPOOL_DIR=/var/lib/after-hours/spool
USER node
# /healthz of the daemon (METRICS_PORT, 9464) or the worker (set METRICS_PORT=9465 for it);
# the slim image has no curl, node's fetch does it
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.METRICS_PORT||9464)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--", "after-hours"]
CMD ["start", "--config", "/opt/after-hours/config/after-hours.yaml"]
