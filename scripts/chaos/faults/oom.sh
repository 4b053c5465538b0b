# shellcheck shell=sh
# Runs inside a container of the live release (`docker exec -i CONTAINER sh -s`, as the container's own user):
# makes the container's main process the OOM killer's first choice, then allocates memory (tail buffers its
# endless first "line") until the container reaches its memory limit. The kernel then kills the main process,
# the container stops and this shell goes with it: docker exec ends with 137.
set -eu
echo 1000 >/proc/1/oom_score_adj
exec tail /dev/zero
