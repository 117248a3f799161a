# Asterisk for the after-hours stack: Debian sid packages Asterisk 22 (bookworm has none).
# Built by docker-compose.yml (context: the repository root).
FROM debian:sid-slim
RUN apt-get -o Acquire::Check-Valid-Until=false update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      -o Acquire::Check-Valid-Until=false asterisk asterisk-core-sounds-en-gsm \
 && apt-get clean && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /var/spool/asterisk/recording /run/asterisk \
 && chown -R asterisk:asterisk /var/spool/asterisk /run/asterisk /var/log/asterisk
COPY scripts/docker/asterisk-entrypoint.sh /usr/local/bin/asterisk-entrypoint
ENTRYPOINT ["/usr/local/bin/asterisk-entrypoint"]
HEALTHCHECK --interval=5s --timeout=3s --retries=12 CMD asterisk -rx "core show uptime" >/dev/null || exit 1
