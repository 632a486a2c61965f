#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# build-images.sh: builds the wsscale-{adapter,sidecar,server} images with podman, offline, from the
#   programs in a CMake build directory: each is staged as exactly the (stripped) binary, the
#   shared libraries ldd lists and the dynamic loader, then built FROM scratch (packaging/).
#   Also builds localhost/wsscale-pause:1, the pods' infra image that packaging/containers.conf
#   names (coreutils' sleep, staged the same way).
# Does not: pull anything, build the programs (make build does), or remove images other than the
#   one a rebuild replaces under the same tag.
# Usage: scripts/build-images.sh [BUILD_DIR]   (default: build; the tag is the programs' version,
#   or $WSS_IMAGE_TAG). Uses packaging/containers.conf unless CONTAINERS_CONF is set.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
[ -d "$build" ] || { echo "build-images.sh: no build directory '$build'; run make build" >&2; exit 2; }
build=$(cd "$build" && pwd)
export CONTAINERS_CONF=${CONTAINERS_CONF:-$here/packaging/containers.conf}
command -v podman >/dev/null || { echo "build-images.sh: podman is not installed (make deps-test)" >&2; exit 1; }

# program -> its path in the build directory.
declare -A bin_of=(
  [adapter]=adapter/wsscale-adapter
  [sidecar]=sidecar/wsscale-sidecar
  [server]=server/wsscale-server
)
programs=(adapter sidecar server)

for p in "${programs[@]}"; do
  [ -x "$build/${bin_of[$p]}" ] || { echo "build-images.sh: missing $build/${bin_of[$p]}; run make build" >&2; exit 2; }
done
tag=${WSS_IMAGE_TAG:-$("$build/${bin_of[server]}" --version | awk '{print $2}')}
[ -n "$tag" ] || { echo "build-images.sh: cannot read the version of wsscale-server" >&2; exit 1; }

# stage BINARY NAME DIR: DIR/rootfs holds BINARY as /usr/local/bin/NAME and what the loader needs
# to run it; DIR/work is an empty directory (the adapter's working directory).
stage() {
  local bin=$1 name=$2 dir=$3 libs lib
  rm -rf "$dir"
  mkdir -p "$dir/rootfs/usr/local/bin" "$dir/work"
  if ldd "$bin" | grep -q 'not found'; then
    echo "build-images.sh: $bin: a shared library is not found:" >&2
    ldd "$bin" | grep 'not found' >&2
    return 1
  fi
  # "libx.so.1 => /lib/.../libx.so.1 (0x...)" and "/lib64/ld-linux-x86-64.so.2 (0x...)"; the vdso
  # has no file.
  libs=$(ldd "$bin" | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' | sort -u)
  [ -n "$libs" ] || { echo "build-images.sh: ldd lists nothing for $bin" >&2; return 1; }
  for lib in $libs; do
    mkdir -p "$dir/rootfs$(dirname "$lib")"
    # -L: the image has no merged-/usr symlinks, so each library lands as a file at the path
    # the loader looks in.
    cp -L "$lib" "$dir/rootfs$lib"
    chmod 0755 "$dir/rootfs$lib"
  done
  install -m 0755 "$bin" "$dir/rootfs/usr/local/bin/$name"
  strip --strip-unneeded "$dir/rootfs/usr/local/bin/$name"
}

# image NAME REF DIR: builds packaging/NAME.Containerfile over DIR as REF; prints REF and its size.
image() {
  local name=$1 ref=$2 dir=$3 old new
  old=$(podman image inspect --format '{{.Id}}' "$ref" 2>/dev/null || true)
  # --timestamp 0: the same files give the same image, so an unchanged rebuild leaves nothing
  # behind; --layers=false: no intermediate images.
  podman build --quiet --pull=never --layers=false --timestamp 0 \
    --label "org.opencontainers.image.title=wsscale-$name" \
    --label "org.opencontainers.image.version=$tag" \
    -f "$here/packaging/$name.Containerfile" -t "$ref" "$dir" >/dev/null
  new=$(podman image inspect --format '{{.Id}}' "$ref")
  if [ -n "$old" ] && [ "$old" != "$new" ]; then
    # The replaced image lost its tag; drop it unless something else still uses it.
    podman rmi "$old" >/dev/null 2>&1 || true
  fi
  printf '%s %s\n' "$ref" "$(podman image inspect --format '{{.Size}}' "$ref")"
}

for p in "${programs[@]}"; do
  stage "$build/${bin_of[$p]}" "wsscale-$p" "$build/images/$p"
  image "$p" "localhost/wsscale-$p:$tag" "$build/images/$p"
done
# The infra image's tag is fixed: containers.conf names it.
stage "$(command -v sleep)" sleep "$build/images/pause"
image pause localhost/wsscale-pause:1 "$build/images/pause"
