# Shared by the benchmarks (sourced from the checkout's root).

# The rpod binary to measure: $RPOD_BIN, else a release build made now.
rpod_build() {
  if [[ -n ${RPOD_BIN:-} ]]; then
    echo "$RPOD_BIN"
    return
  fi
  cargo build -q --release -p rpod
  echo "$PWD/target/$(rustc --print host-tuple)/release/rpod"
}

# Installs the binary SRC into DIR as the README installs it (`install -m 755`) and prints the
# copy's path. Benchmarks measure the copy, as Podman is measured from its package's file. The
# linker's own output stays in the page cache as the linker wrote it, and runs slower from there:
# one `auto-update --dry-run` took 384 page faults and 9.2 ms on this project's machines, against
# 349 and 7.2 ms from a copy. Evicting the linker's file from the cache and reading it back gave
# the copy's times, so the difference is how the file sits in the cache, not what rpod does.
rpod_install() { # SRC DIR
  install -m 755 "$1" "$2/rpod"
  echo "$2/rpod"
}
