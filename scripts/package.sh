#!/usr/bin/env bash
# Builds Pupitre's two Debian packages into target/packages/: the desktop app (Tauri's bundler,
# then stripped and given its Debian documents) and the central service (cargo-deb, with its
# systemd unit, default configuration and system user). `--debug` packages the debug build the
# tests already made (scripts/test.sh); without it, release builds.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
bash scripts/setup.sh --package

# Release: Tauri builds then bundles. Debug: the binaries the workspace build made are bundled as
# they are (building only the app would unify features differently and rebuild its dependencies).
profile=release tauri=(build) deb_flags=()
if [ "${1:-}" = "--debug" ]; then
  profile=debug tauri=(bundle --debug) deb_flags=(--no-build --profile dev)
fi
out=target/packages
mkdir -p "$out"
rm -f "$out"/*.deb
version=$(sed -n 's/^  "version": "\(.*\)",$/\1/p' src-tauri/tauri.conf.json)

echo "==> Desktop package (Tauri's bundler)"
if [ "$profile" = release ]; then (cd ui && npm run --silent build); fi
ui/node_modules/.bin/tauri "${tauri[@]}" --bundles deb --ci
bundled="target/$profile/bundle/deb/Pupitre_${version}_amd64.deb"
# Finish it as Debian wants: a stripped binary, the documents under the package's own name.
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
dpkg-deb -R "$bundled" "$stage"
strip --strip-unneeded "$stage/usr/bin/pupitre"
rm -rf "$stage/usr/share/doc"
install -D -m 644 packaging/desktop/copyright "$stage/usr/share/doc/pupitre/copyright"
gzip -9n -c packaging/changelog > "$stage/usr/share/doc/pupitre/changelog.gz"
chmod 644 "$stage/usr/share/doc/pupitre/changelog.gz"
(cd "$stage" && find usr -type f -printf '%P\0' | sort -z | xargs -0 -I{} md5sum "usr/{}") \
  > "$stage/DEBIAN/md5sums"
# The long description on lines of at most 80 columns (the bundler writes it on one).
control="$stage/DEBIAN/control"
{
  sed -n '/^Description:/q;p' "$control"
  grep '^Description:' "$control"
  sed -n '/^Description:/,$p' "$control" | tail -n +2 | sed 's/^ //' | fold -s -w 78 |
    sed 's/ *$//; s/^/ /'
} > "$control.new"
mv "$control.new" "$control"
size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
sed -i "s/^Installed-Size: .*/Installed-Size: $size/" "$stage/DEBIAN/control"
dpkg-deb --root-owner-group --build "$stage" "$out/pupitre_${version}_amd64.deb" >/dev/null

echo "==> Central package (cargo-deb)"
if ! cargo deb -p pupitre-central "${deb_flags[@]}" -o "$out/" > "$out/cargo-deb.log" 2>&1; then
  cat "$out/cargo-deb.log"
  exit 1
fi
ls "$out"/*.deb
