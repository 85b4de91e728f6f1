#!/usr/bin/env bash
# Builds the machine's Redis version from Debian's source tarball, with symbols, so that
# callgrind names the Lua interpreter's functions (luaV_execute, luaS_newlstr, ...) where the
# packaged, stripped binary shows addresses. Prints the directory to put first on PATH:
#
#   PATH=$(bash scripts/redis-symbols.sh):$PATH FILA_CALLGRIND_OUT=/tmp/cg.out \
#     bash scripts/redis-instructions.sh benchmarks/target 20000 10 7
#   callgrind_annotate --threshold=100 --auto=no /tmp/cg.out | head -60
#
# The build uses glibc's malloc (MALLOC=libc: no jemalloc to build), so its allocator's share
# differs from the packaged server's; compare builds with the same binary.
set -euo pipefail
version=$(redis-server --version | sed -n 's/.*v=\([0-9.]*\).*/\1/p')
dir=${FILA_REDIS_SYMBOLS_DIR:-/tmp/redis-symbols}/redis-$version
if [ ! -x "$dir/src/redis-server" ]; then
  mkdir -p "$(dirname "$dir")"
  curl -sSf "http://deb.debian.org/debian/pool/main/r/redis/redis_$version.orig.tar.gz" \
    | tar xz -C "$(dirname "$dir")"
  make -C "$dir" -j"$(nproc)" MALLOC=libc OPTIMIZATION=-O2 >"$dir/build.log" 2>&1
fi
echo "$dir/src"
