# NOT DEPLOYED. The path for a team that outgrows one VPS (docs/INFRA.md). Only fmt and tflint run on this
# configuration here: the google provider cannot be built offline, so `validate` and `plan` cannot run.
# 6.50.0 is pinned because its schema is the one the attribute names were checked against.
terraform {
  # Ephemeral variables and write-only arguments keep the database password out of plan and state.
  required_version = ">= 1.11.0"

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = "= 6.50.0"
    }
  }
}

provider "google" {
  project = var.project_id
  region  = var.region
}
