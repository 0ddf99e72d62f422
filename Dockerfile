# syntax=docker/dockerfile:1
# roadmap-api: build with the Rust toolchain, run as a non-root user on a slim Debian base.
#   docker build -t roadmap-api .
#   docker run -p 8080:8080 -v roadmap-data:/data roadmap-api
# The database lives in /data (a volume); on first start it is created and filled with the
# roadmaps compiled into the binary.

FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
# Queries are checked against the committed .sqlx/ data: no database at build time.
ENV SQLX_OFFLINE=true
# Dependencies first, in a layer that only Cargo.toml and Cargo.lock invalidate.
COPY Cargo.toml Cargo.lock ./
RUN mkdir src \
    && echo 'fn main() {}' > src/main.rs \
    && touch src/lib.rs \
    && cargo build --release --locked \
    && rm -rf src
COPY build.rs ./
COPY .sqlx ./.sqlx
COPY migrations ./migrations
COPY content ./content
COPY src ./src
# Make sure the real sources are newer than the placeholder build.
RUN touch src/main.rs src/lib.rs && cargo build --release --locked

FROM debian:bookworm-slim AS runtime
RUN useradd --system --uid 10001 --home-dir /data --create-home roadmap
COPY --from=build /src/target/release/roadmap-api /usr/local/bin/roadmap-api
USER roadmap
WORKDIR /data
ENV ROADMAP_API_BIND=0.0.0.0:8080 \
    ROADMAP_API_DATABASE=/data/roadmap.db \
    ROADMAP_API_LOG_FORMAT=json
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
    CMD ["roadmap-api", "healthcheck"]
ENTRYPOINT ["roadmap-api"]
CMD ["serve"]
