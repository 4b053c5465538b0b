#!/usr/bin/env bash
# releases/<id>/: compose.yaml, images.json (service -> image@sha256), release.json (gitSha, actor, runUrl,
# created) and the proxy's Caddyfile. Releases are immutable once received; the newest --keep of them (always
# including the live one) and their images stay on the host, so a rollback needs no registry.
# Sourced by bin/slipway.

# Validates a release directory: every value later handed to docker or compose is checked here.
release_check() {
  local dir="$1" key ref
  [[ -f "${dir}/compose.yaml" ]] || fail "release $(basename "${dir}"): compose.yaml is missing."
  [[ -f "${dir}/images.json" ]] || fail "release $(basename "${dir}"): images.json is missing."
  jq -e 'type == "object" and (.api | type == "string") and ([.[] | type == "string"] | all)' \
    "${dir}/images.json" >/dev/null 2>&1 ||
    fail "release $(basename "${dir}"): images.json must be a JSON object of strings with an 'api' image."
  while IFS=$'\t' read -r key ref; do
    need_rule "images.json: service name" "${key}" SERVICE
    ((${#ref} <= IMAGE_MAX)) && [[ "${ref}" =~ ${IMAGE_RE} ]] ||
      fail "images.json: image '$(clip "${ref}")' for ${key} is not an image pinned by digest (name@sha256:<64 hex>)."
  done < <(jq -r 'to_entries[] | "\(.key)\t\(.value)"' "${dir}/images.json")
  if [[ -f "${dir}/release.json" ]]; then
    jq -e 'type == "object"' "${dir}/release.json" >/dev/null 2>&1 ||
      fail "release $(basename "${dir}"): release.json is not a JSON object."
    local sha
    sha="$(jq -r '.gitSha // empty' "${dir}/release.json")"
    [[ -z "${sha}" ]] || need_rule "release.json gitSha" "${sha}" SHA
  fi
}

release_images() { jq -c . "${RELEASES_DIR}/$1/images.json"; }
release_refs() { jq -r '.[]' "${RELEASES_DIR}/$1/images.json"; }
release_field() { jq -r --arg f "$2" '.[$f] // empty' "${RELEASES_DIR}/$1/release.json" 2>/dev/null || true; }

# KEY=VALUE lines for compose: SLIPWAY_<SERVICE>_IMAGE per image, the release id and the slot.
release_env() {
  local release="$1" slot="$2"
  jq -r 'to_entries[] | "SLIPWAY_\(.key | ascii_upcase | gsub("-"; "_"))_IMAGE=\(.value)"' \
    "${RELEASES_DIR}/${release}/images.json"
  printf 'SLIPWAY_RELEASE_ID=%s\nSLIPWAY_SLOT=%s\n' "${release}" "${slot}"
}

release_exists() {
  [[ -d "${RELEASES_DIR}/$1" ]] ||
    fail "release $1 is not on this host. Retained releases: $(releases_newest_first | tr '\n' ' ')"
}

images_pull() {
  local ref
  while IFS= read -r ref; do
    if dk image inspect "${ref}" >/dev/null 2>&1; then continue; fi
    log "pulling ${ref}"
    dk pull -q "${ref}" >&2 || fail "pulling ${ref} failed. Is the VPS logged in to its registry (docker login)?"
  done < <(release_refs "$1")
}

images_present() {
  local ref
  while IFS= read -r ref; do
    dk image inspect "${ref}" >/dev/null 2>&1 ||
      fail "image ${ref} of release $1 is no longer on this host; deploy it again instead."
  done < <(release_refs "$1")
}

releases_newest_first() {
  find "${RELEASES_DIR}" -mindepth 1 -maxdepth 1 -type d -printf '%T@ %f\n' | sort -rn | cut -d' ' -f2
}

# Keeps the newest KEEP releases plus the live one and the standby; removes the others and every image only
# they used.
releases_prune() {
  local keep="$1" current="$2" parked="${3:-}" id kept=0 ref
  local retained=() pruned=()
  while IFS= read -r id; do
    if [[ "${id}" == "${current}" || "${id}" == "${parked}" ]] || ((kept < keep)); then
      retained+=("${id}")
      kept=$((kept + 1))
    else
      pruned+=("${id}")
    fi
  done < <(releases_newest_first)
  ((${#pruned[@]})) || return 0
  local in_use
  in_use="$(for id in "${retained[@]}"; do release_refs "${id}"; done | sort -u)"
  for id in "${pruned[@]}"; do
    log "pruning release ${id}"
    while IFS= read -r ref; do
      grep -qxF "${ref}" <<<"${in_use}" && continue
      dk image rm "${ref}" >/dev/null 2>&1 || log "kept image ${ref}: still used by a container"
    done < <(release_refs "${id}")
    rm -rf "${RELEASES_DIR:?}/${id}"
  done
}

# receive DIR RELEASE-ID: moves an uploaded directory into releases/. The same id with the same images is
# accepted again (a retried upload); the same id with other images is refused: releases are immutable.
cmd_receive() {
  local dir="$1" release="$2" target
  valid_release_id "${release}"
  [[ -d "${dir}" && "$(readlink -f "${dir}")" == "$(readlink -f "${APP_DIR}")"/.incoming/* ]] ||
    fail "receive: '${dir}' is not an upload directory under ${APP_DIR}/.incoming."
  release_check "${dir}"
  target="${RELEASES_DIR}/${release}"
  if [[ -d "${target}" ]]; then
    cmp -s <(jq -S . "${dir}/images.json") <(jq -S . "${target}/images.json") ||
      fail "release ${release} already exists on the host with other images. Releases are immutable: choose a new release-id."
    rm -rf "${dir}"
    log "release ${release} was already received"
  else
    mv -T "${dir}" "${target}"
    log "received release ${release}"
  fi
  touch "${target}"
  emit_result "$(jq -nc --arg r "${release}" '{ok: true, command: "receive", release: $r}')"
}
