#!/bin/sh
# Build lfv-sunset's image (Dockerfile) with the first of docker, podman or buildah that can build here, then
# run `demo` inside it. Where none can (no engine, no registry for the base images), assemble the image's
# root filesystem from a local release build instead and run `demo` in it with chroot, as the image's user.
#
#   scripts/build-image.sh                 # image if a tool works, else the root filesystem
#   scripts/build-image.sh --rootfs DIR    # only the root filesystem, in DIR (default target/image-rootfs)
#   IMAGE=registry.example.com/lfv-sunset:0.1.0 scripts/build-image.sh
#
# The root filesystem holds what the image holds: /usr/local/bin/lfv-sunset (stripped), the C libraries it
# links (libc, libm, libgcc_s and the loader, copied from this machine), /bin/sh (this machine's dash), the
# CA bundle, man pages, completions, a user lfv (10001) and its writable /work. It is for checking the
# shipped files here, not for shipping: its libraries are the build machine's, the image's are Debian's.
set -eu
cd "$(dirname "$0")/.."
IMAGE=${IMAGE:-lfv-sunset:$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)}
COMMIT=$(git rev-parse --short=12 HEAD 2>/dev/null || echo)
if [ -n "$COMMIT" ] && [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]; then
    COMMIT="$COMMIT-dirty"
fi

usable() {
    case "$1" in
        docker) docker info > /dev/null 2>&1 ;;
        podman) podman info > /dev/null 2>&1 ;;
        buildah) buildah info > /dev/null 2>&1 ;;
    esac
}

image() {
    tool=$1
    echo "building $IMAGE with $tool (LFV_BUILD_COMMIT=$COMMIT)"
    case "$tool" in
        buildah) buildah bud --build-arg "LFV_BUILD_COMMIT=$COMMIT" -t "$IMAGE" . ;;
        *) "$tool" build --build-arg "LFV_BUILD_COMMIT=$COMMIT" -t "$IMAGE" . ;;
    esac
    echo "running demo in $IMAGE"
    case "$tool" in
        buildah)
            ctr=$(buildah from "$IMAGE")
            buildah run "$ctr" -- lfv-sunset demo --projects 4 --dir /work/demo
            buildah run "$ctr" -- lfv-sunset demo --projects 4 --dir /work/demo
            buildah rm "$ctr" > /dev/null ;;
        *)
            "$tool" run --rm "$IMAGE" --version
            "$tool" run --rm --entrypoint sh "$IMAGE" -c \
                'lfv-sunset demo --projects 4 --dir /work/demo && lfv-sunset demo --projects 4 --dir /work/demo' ;;
    esac
}

rootfs() {
    root=$1
    echo "assembling the image's root filesystem in $root"
    LFV_BUILD_COMMIT=$COMMIT cargo build --release --locked --bin lfv-sunset
    bin=${CARGO_TARGET_DIR:-target}/release/lfv-sunset
    rm -rf "$root"
    mkdir -p "$root/usr/local/bin" "$root/bin" "$root/etc/ssl/certs" "$root/tmp" "$root/work" "$root/proc" "$root/dev" \
        "$root/usr/local/share/man/man1" "$root/usr/share/bash-completion/completions" \
        "$root/usr/share/zsh/vendor-completions" "$root/usr/share/fish/vendor_completions.d" \
        "$root/usr/local/share/lfv-sunset" "$root/usr/local/share/doc/lfv-sunset"
    install -m 0755 "$bin" "$root/usr/local/bin/lfv-sunset"
    install -m 0755 "$(command -v dash)" "$root/bin/sh"
    # The loader and libraries of both programs, at the paths they were resolved from.
    for lib in $( (ldd "$bin"; ldd "$(command -v dash)") | awk '/=> \//{print $3} /^\t\//{print $1}' | sort -u); do
        mkdir -p "$root$(dirname "$lib")"
        cp -L "$lib" "$root$lib"
    done
    cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/"
    printf 'root:x:0:0:root:/root:/bin/sh\nlfv:x:10001:10001::/work:/bin/sh\n' > "$root/etc/passwd"
    printf 'root:x:0:\nlfv:x:10001:\n' > "$root/etc/group"
    chmod 1777 "$root/tmp"
    chown 10001:10001 "$root/work"
    chmod 0700 "$root/work"
    "$bin" man --out-dir "$root/usr/local/share/man/man1" > /dev/null
    "$bin" completions bash > "$root/usr/share/bash-completion/completions/lfv-sunset"
    "$bin" completions zsh > "$root/usr/share/zsh/vendor-completions/_lfv-sunset"
    "$bin" completions fish > "$root/usr/share/fish/vendor_completions.d/lfv-sunset.fish"
    "$bin" completions powershell > "$root/usr/local/share/lfv-sunset/lfv-sunset.ps1"
    cp LICENSE "$root/usr/local/share/doc/lfv-sunset/LICENSE"
    echo "root filesystem: $(du -sh "$root" | cut -f1); binary: $(wc -c < "$root/usr/local/bin/lfv-sunset") bytes"
    # As the image runs it: user 10001, in /work, through sh; demo twice (it owns its directory).
    run="cd /work && lfv-sunset --version && lfv-sunset demo --projects 4 --dir /work/demo > /work/demo1.log \
        && lfv-sunset demo --projects 4 --dir /work/demo > /work/demo2.log \
        && while read -r line; do last=\$line; done < /work/demo2.log && echo \"second demo: \$last\""
    # A container gets its own /proc (the demo finds its own executable there) and /dev (/dev/null): so does
    # this run, in new mount and pid namespaces, so nothing stays mounted on the host.
    as_user="--userspec=10001:10001"
    userns=""
    if [ "$(id -u)" != 0 ]; then as_user=""; userns="--map-root-user"; fi
    # shellcheck disable=SC2086
    unshare $userns --mount --pid --fork --mount-proc="$root/proc" \
        sh -c 'mount --rbind /dev "$1/dev" && exec chroot $2 "$1" /bin/sh -c "$3"' sh "$root" "$as_user" "$run"
    echo "demo ran twice in the root filesystem, as uid 10001, exit 0"
}

if [ "${1:-}" = "--rootfs" ]; then
    rootfs "${2:-target/image-rootfs}"
    exit 0
fi
for tool in docker podman buildah; do
    if command -v "$tool" > /dev/null 2>&1 && usable "$tool"; then
        image "$tool"
        exit 0
    fi
    command -v "$tool" > /dev/null 2>&1 && echo "$tool is installed but cannot build here ($tool info fails)"
done
rootfs target/image-rootfs
