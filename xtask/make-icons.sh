#!/bin/sh
# Makes the PNG icons of the kiosk and the staff console from their SVG sources in www/icons/, at the two sizes
# the manifests declare (192 and 512 px; Chromium installs an app only with a square icon of at least 144 px).
# The PNGs are committed, so building needs nothing of this; run it after changing an SVG:
#
#   sudo apt-get install librsvg2-bin   # rsvg-convert, Debian's SVG renderer
#   sh xtask/make-icons.sh
#
# `cargo test -p xtask` checks that every icon a manifest names exists, is square and decodes at its declared size.
set -eu
cd "$(dirname "$0")/../www/icons"
for app in kiosk staff; do
  for size in 192 512; do
    rsvg-convert --width "$size" --height "$size" --output "$app-$size.png" "$app.svg"
  done
done
ls -l ./*.png
