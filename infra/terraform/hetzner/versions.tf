# Exact pins. The hcloud provider is built from its source module (hash recorded in
# scripts/tools/go-tools.tsv) and installed from a filesystem mirror by scripts/infra/tofu; only hcloud is
# used, so nothing else has to be built for the offline checks (docs/INFRA.md explains the choice).
terraform {
  required_version = ">= 1.6.0"

  required_providers {
    hcloud = {
      source  = "hetznercloud/hcloud"
      version = "= 1.60.1"
    }
  }
}
