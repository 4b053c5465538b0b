#!/bin/sh
# Same rule as the official image: `docker run IMAGE -e 1` or `IMAGE app.js` runs node.
set -e
if [ "${1#-}" != "${1}" ] || [ -z "$(command -v "${1}" 2>/dev/null)" ]; then
  set -- node "$@"
fi
exec "$@"
