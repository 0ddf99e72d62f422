# syntax=docker/dockerfile:1
# roadmap-api in two modes, each a final stage (target) of this file:
#
#   primary (the default target): a writable volume /data; on first start the database is
#   created, migrated and filled with the bundled roadmaps; admin writes go here.
#     docker build -t roadmap-api:primary .
#     docker run -p 8080:8080 -v roadmap-data:/data roadmap-api:primary
#
#   replica: the database is made at build time (`roadmap-api migrate`), baked into the image
#   owned by root and read-only, and served with ROADMAP_API_READ_ONLY=true. Needs no volume
#   and runs on a read-only root filesystem; scale it out behind a load balancer or CDN.
#     docker build --target replica -t roadmap-api:replica .
#     docker run -p 8080:8080 --read-only roadmap-api:replica
#
# Both run as uid/gid 10001 on debian:bookworm-slim, listen on 8080, log JSON to stderr, and
# check their health with `roadmap-api healthcheck` (no curl in the image). SIGTERM drains:
# readiness turns false and in-flight requests finish. Other settings are environment
# variables at `docker run -e`: ROADMAP_API_PUBLIC_URL, ROADMAP_API_RATE_LIMIT,
# ROADMAP_API_CACHE_CONTROL, ROADMAP_API_FRAME_ANCESTORS, RUST_LOG (see `roadmap-api --help`).

ARG RUST_VERSION=1.95

# ---- build: compile the release binary -----------------------------------------------------
FROM rust:${RUST_VERSION}-slim-bookworm AS build
WORKDIR /src
# Queries are checked against the committed .sqlx/ data: no database at build time.
ENV SQLX_OFFLINE=true \
    CARGO_TERM_COLOR=never
# Dependencies first, in a layer that only Cargo.toml, Cargo.lock and .cargo/ invalidate:
# build them against placeholder sources, then delete the placeholder's own artifacts.
COPY Cargo.toml Cargo.lock ./
COPY .cargo ./.cargo
RUN --mount=type=cache,target=/usr/local/cargo/registry,sharing=locked \
    mkdir src \
    && echo 'fn main() {}' > src/main.rs \
    && touch src/lib.rs \
    && cargo build --release --locked \
    && rm -rf src target/release/roadmap-api* target/release/deps/roadmap_api-* \
       target/release/deps/libroadmap_api-* target/release/.fingerprint/roadmap-api-*
# When the bundled content last changed, in seconds since the epoch: the date of the revisions
# that every database this binary fills records, so that every replica gives the same bytes
# and ETags. The build context has no .git: pass
# `--build-arg SOURCE_DATE_EPOCH=$(git log -1 --format=%ct -- content/roadmaps)`; without it,
# the content files' modification times stand in.
ARG SOURCE_DATE_EPOCH
# The real sources: build.rs compiles content/roadmaps into the binary, sqlx::migrate! embeds
# migrations/, and the query macros read .sqlx/.
COPY build.rs ./
COPY .sqlx ./.sqlx
COPY migrations ./migrations
COPY content ./content
COPY src ./src
RUN --mount=type=cache,target=/usr/local/cargo/registry,sharing=locked \
    cargo build --release --locked \
    && install -D -m 0755 target/release/roadmap-api /out/roadmap-api \
    && mkdir /out/data

# ---- bake: the replica's database, made by the binary just built ----------------------------
FROM build AS bake
# `migrate` creates the file, applies the migrations, fills it with the bundled roadmaps and
# exits; it leaves one self-contained file (no -wal or -shm beside it). Root owns it, nobody
# may write it.
RUN install -d -m 0755 /srv \
    && /out/roadmap-api migrate --database /srv/roadmap.db --log-format json \
    && test ! -e /srv/roadmap.db-wal \
    && chmod 0444 /srv/roadmap.db

# ---- runtime: what both modes share ------------------------------------------------------------
FROM debian:bookworm-slim AS runtime
# A fixed uid/gid (10001) that Kubernetes' runAsUser and volume ownership can name.
RUN groupadd --gid 10001 roadmap \
    && useradd --no-log-init --uid 10001 --gid roadmap \
       --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin roadmap
COPY --from=build /out/roadmap-api /usr/local/bin/roadmap-api
# The metrics have a listener of their own (9464), to be exposed to the scraper alone.
ENV ROADMAP_API_BIND=0.0.0.0:8080 \
    ROADMAP_API_METRICS_BIND=0.0.0.0:9464 \
    ROADMAP_API_LOG_FORMAT=json
USER 10001:10001
EXPOSE 8080 9464
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
    CMD ["/usr/local/bin/roadmap-api", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/roadmap-api"]
CMD ["serve"]

# ---- replica: the baked database, read-only -----------------------------------------------------
FROM runtime AS replica
# /srv and the file belong to root and are read-only (0755 / 0444): the server can read them
# and nothing can change them, with or without a read-only root filesystem.
COPY --from=bake /srv/roadmap.db /srv/roadmap.db
WORKDIR /srv
ENV ROADMAP_API_DATABASE=/srv/roadmap.db \
    ROADMAP_API_READ_ONLY=true
CMD ["serve"]

# ---- primary: a writable volume, the database made on first start (the default target) ---------
FROM runtime AS primary
# An empty /data owned by 10001: a new named volume takes this ownership. A bind-mounted host
# folder must be writable by uid 10001 itself (chown 10001:10001 DIR).
COPY --from=build --chown=10001:10001 /out/data /data
WORKDIR /data
ENV ROADMAP_API_DATABASE=/data/roadmap.db
VOLUME ["/data"]
CMD ["serve"]
