#!/usr/bin/env bash
# Builds the Debian package of relaycast from an already built tree:
#   scripts/package-deb.sh BUILD_DIR OUT_DIR   ->  OUT_DIR/relaycast_<version>_<arch>.deb
# (`make package` runs it on build/.) The package holds the stripped binary (the web
# pages are built into it), /etc/relaycast/relaycast.toml (a conffile), the systemd
# unit, a man page made from the binary's --help, and the README. Its maintainer
# scripts (packaging/deb/) create the relaycast user and enable the unit.
# Needs dpkg-deb and strip; dpkg-shlibdeps (dpkg-dev) computes Depends when present.
set -euo pipefail

usage() { echo "usage: $0 BUILD_DIR OUT_DIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
build_dir=$1
out_dir=$2
root="$(cd "$(dirname "$0")/.." && pwd)"
files="$root/packaging/deb"
binary="$build_dir/relaycast"

fail() { echo "package-deb: $*" >&2; exit 1; }

[ -x "$binary" ] || fail "no relaycast binary at $binary: build first (make build)"
for tool in dpkg-deb strip gzip; do
  command -v "$tool" >/dev/null || fail "$tool is missing (apt-get install dpkg binutils gzip)"
done

version="$(sed -n 's/^project(relaycast VERSION \([0-9][0-9.]*\).*/\1/p' "$root/CMakeLists.txt")"
[ -n "$version" ] || fail "no project(relaycast VERSION x.y.z) in $root/CMakeLists.txt"
# A binary from an older checkout would be packaged under the wrong version.
built_version="$("$binary" --version)"
[ "$built_version" = "$version" ] ||
  fail "$binary is version $built_version but CMakeLists.txt says $version: rebuild it"
arch="$(dpkg --print-architecture)"

work="$(mktemp -d "${TMPDIR:-/tmp}/relaycast-deb.XXXXXX")"
trap 'rm -rf "$work"' EXIT
# The layout dpkg-shlibdeps expects: the package's tree under debian/<package>/.
mkdir -p "$work/debian"
printf 'Source: relaycast\n\nPackage: relaycast\nArchitecture: any\n' > "$work/debian/control"
stage="$work/debian/relaycast"

install -d -m 0755 "$stage/usr/bin" "$stage/etc/relaycast" "$stage/lib/systemd/system" \
  "$stage/usr/share/doc/relaycast" "$stage/usr/share/man/man1" "$stage/DEBIAN"
strip --strip-unneeded -o "$stage/usr/bin/relaycast" "$binary"
chmod 0755 "$stage/usr/bin/relaycast"
install -m 0644 "$files/relaycast.toml" "$stage/etc/relaycast/relaycast.toml"
install -m 0644 "$files/relaycast.service" "$stage/lib/systemd/system/relaycast.service"
install -m 0644 "$root/README.md" "$stage/usr/share/doc/relaycast/README.md"
for script in postinst prerm postrm; do
  install -m 0755 "$files/$script" "$stage/DEBIAN/$script"
done
echo /etc/relaycast/relaycast.toml > "$stage/DEBIAN/conffiles"

# relaycast(1): every command's --help, as the binary prints it, in a man page.
man_escape() { sed -e 's/\\/\\e/g' -e "s/^\([.']\)/\\\\\&\1/"; }
{
  printf '.TH RELAYCAST 1 "" "relaycast %s" "User Commands"\n' "$version"
  printf '.SH NAME\nrelaycast \\- live streaming server (RTMP, SRT in; RTMP, HTTP-FLV, HLS out) and its CLI\n'
  printf '.SH SYNOPSIS\n.B relaycast serve\n[\\fB\\-\\-config\\fR \\fIFILE\\fR] [\\fIOPTIONS\\fR]\n.br\n'
  printf '.B relaycast\n\\fICOMMAND\\fR [\\fIOPTIONS\\fR]\n'
  printf '.SH DESCRIPTION\n.nf\n'
  "$binary" --help | man_escape
  printf '.fi\n'
  for command in $("$binary" --help | awk '/^Subcommands:/ { on = 1; next } on && NF { print $1 }'); do
    printf '.SH "relaycast %s"\n.nf\n' "$command"
    "$binary" "$command" --help | man_escape
    printf '.fi\n'
  done
  printf '.SH FILES\n'
  printf '.TP\n/etc/relaycast/relaycast.toml\nthe configuration read by relaycast.service\n'
  printf '.TP\n/var/lib/relaycast\nstate (stream keys, events) and recordings/\n'
  printf '.SH "SEE ALSO"\n/usr/share/doc/relaycast/README.md, \\fBsystemctl\\fR(1), \\fBjournalctl\\fR(1)\n'
} | gzip -9n > "$stage/usr/share/man/man1/relaycast.1.gz"
chmod 0644 "$stage/usr/share/man/man1/relaycast.1.gz"

# Depends: from the libraries the binary links, with the versions their symbols need.
if command -v dpkg-shlibdeps >/dev/null; then
  depends="$(cd "$work" && dpkg-shlibdeps -O debian/relaycast/usr/bin/relaycast | sed -n 's/^shlibs:Depends=//p')"
else
  # Without dpkg-dev: the packages that own the libraries ldd finds, unversioned. With
  # a merged /usr a library is registered under /lib or /usr/lib: try both.
  owner() {
    local real; real="$(realpath "$1")"
    for path in "$1" "$real" "${real#/usr}" "/usr${1#/usr}"; do
      dpkg -S "$path" 2>/dev/null | cut -d: -f1 && return 0
    done
    echo "package-deb: warning: no package owns $1; it is not in Depends" >&2
  }
  depends="$(ldd "$binary" | awk '$3 ~ /^\// { print $3 }' | while read -r lib; do owner "$lib"; done |
    sort -u | paste -sd, | sed 's/,/, /g')"
fi
[ -n "$depends" ] || fail "could not work out the libraries $binary needs"
# adduser: postinst creates the relaycast user. ca-certificates: pushes and pulls to
# rtmps:// check the target's certificate against the system CA store.
depends="adduser, ca-certificates, $depends"

installed_kb="$(du -sk --exclude=DEBIAN "$stage" | cut -f1)"
cat > "$stage/DEBIAN/control" <<EOF
Package: relaycast
Version: $version
Architecture: $arch
Maintainer: relaycast developers <relaycast@localhost>
Installed-Size: $installed_kb
Depends: $depends
Section: net
Priority: optional
Description: live streaming server: RTMP and SRT in; RTMP, HTTP-FLV and HLS out
 relaycast takes streams from OBS or ffmpeg over RTMP(S) or SRT and serves them to
 many viewers over RTMP, HTTP-FLV, HLS and LL-HLS, with a dashboard and player pages,
 a REST API, recordings to MP4, webhooks, signed play URLs, and origin/edge clusters.
 .
 The package runs it as the systemd service relaycast.service (user relaycast) with
 the configuration in /etc/relaycast/relaycast.toml and its state in /var/lib/relaycast.
EOF

mkdir -p "$out_dir"
deb="$out_dir/relaycast_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" >/dev/null
echo "package-deb: $deb ($(du -h "$deb" | cut -f1), Depends: $depends)"
