# The languages SoulBox promises, on top of `base` (Debian bookworm with python3 and node):
# Ruby, Rust (rustc + cargo), Go, C/C++ (gcc, g++) and Java (a headless JDK), all from Debian.
#   soulbox template build polyglot -f templates/polyglot/soulbox.Dockerfile
FROM base

# `base` leaves out man pages; the JDK's postinst still links one into man1, which must exist.
RUN mkdir -p /usr/share/man/man1 \
 && apt-get update \
 && apt-get install -y --no-install-recommends \
      ruby rustc cargo golang-go gcc g++ libc6-dev default-jdk-headless \
 && rm -rf /var/lib/apt/lists/*

# Go keeps its module and build caches under $HOME; GOTOOLCHAIN=local keeps `go` offline.
ENV GOTOOLCHAIN=local GOFLAGS=-buildvcs=false
WORKDIR /home/user
USER user
