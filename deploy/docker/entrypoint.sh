#!/bin/sh
# Container entrypoint. For every non-empty <NAME>DATABASE_URL_FILE or <NAME>REDIS_URL_FILE,
# export <NAME>DATABASE_URL / <NAME>REDIS_URL read from that file (a Compose or Kubernetes
# secret), so connection strings holding passwords never appear as environment literals
# in a compose file. Then exec the command.
set -eu
for name in $(env | sed -n 's/^\([A-Z0-9_]*\(DATABASE_URL\|REDIS_URL\)\)_FILE=..*$/\1/p'); do
  eval "file=\${${name}_FILE}"
  if ! value=$(cat "${file}" 2>/dev/null) || [ -z "${value}" ]; then
    echo "jobhunt: ${name}_FILE=${file} is not a readable, non-empty file: set ${name}_FILE to the secret holding ${name}" >&2
    exit 78
  fi
  export "${name}=${value}"
done
exec "$@"
