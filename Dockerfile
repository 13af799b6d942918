# lfv-sunset's image: a stripped release binary on Debian slim, with CA certificates, sh (the Kubernetes and
# AWS Batch recipes run `sh -c`), the man pages and shell completions, run as a non-root user in a writable
# work directory. Build it with scripts/build-image.sh (docker, podman or buildah), which passes the commit:
#   docker build --build-arg LFV_BUILD_COMMIT=$(git rev-parse --short=12 HEAD) -t lfv-sunset:0.1.0 .
# (.dockerignore keeps .git out of the context, so without the argument `--version` says `+unknown`.)

# --- build: the same toolchain as the repository's (Cargo.lock is honoured with --locked) ---
FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
ARG LFV_BUILD_COMMIT=
ENV LFV_BUILD_COMMIT=${LFV_BUILD_COMMIT}
COPY . .
RUN cargo build --release --locked --bin lfv-sunset \
 && install -D -m 0755 target/release/lfv-sunset /out/bin/lfv-sunset \
 && /out/bin/lfv-sunset man --out-dir /out/share/man/man1 > /dev/null \
 && mkdir -p /out/share/completions \
 && for shell in bash zsh fish powershell; do \
      /out/bin/lfv-sunset completions "$shell" > "/out/share/completions/lfv-sunset.$shell"; \
    done

# --- runtime: glibc (the binary's only libraries: libc, libm, libgcc_s), CA certificates, sh ---
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 10001 lfv \
 && useradd --uid 10001 --gid 10001 --home-dir /work --create-home --shell /bin/sh lfv \
 && chmod 0700 /work
COPY --from=build /out/bin/lfv-sunset /usr/local/bin/lfv-sunset
COPY --from=build /out/share/man/man1/ /usr/local/share/man/man1/
COPY --from=build /out/share/completions/lfv-sunset.bash /usr/share/bash-completion/completions/lfv-sunset
COPY --from=build /out/share/completions/lfv-sunset.zsh /usr/share/zsh/vendor-completions/_lfv-sunset
COPY --from=build /out/share/completions/lfv-sunset.fish /usr/share/fish/vendor_completions.d/lfv-sunset.fish
COPY --from=build /out/share/completions/lfv-sunset.powershell /usr/local/share/lfv-sunset/lfv-sunset.ps1
COPY LICENSE /usr/local/share/doc/lfv-sunset/LICENSE
USER 10001:10001
WORKDIR /work
# Mount a volume at /work (plans, journals, reports, backups) so a job's files outlive its container.
VOLUME ["/work"]
ENTRYPOINT ["lfv-sunset"]
CMD ["--help"]
