variable "project_id" {
  description = "Google Cloud project that holds everything."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project_id))
    error_message = "Variable 'project_id' must be a Google Cloud project ID: 6-30 of a-z 0-9 '-', starting with a letter."
  }
}

variable "region" {
  description = "Region of Cloud Run, Cloud SQL, Artifact Registry and the bucket."
  type        = string
  default     = "europe-west3"

  validation {
    condition     = can(regex("^[a-z]+-[a-z]+[0-9]$", var.region))
    error_message = "Variable 'region' must be a Google Cloud region such as europe-west3."
  }
}

variable "name" {
  description = "Prefix of every resource name."
  type        = string
  default     = "slipway"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,18}[a-z0-9]$", var.name))
    error_message = "Variable 'name' must be 2-20 of a-z 0-9 '-', starting with a letter: longer names overflow service account IDs."
  }
}

variable "api_image" {
  description = "Release image by digest, pushed to this configuration's Artifact Registry repository: <region>-docker.pkg.dev/<project>/<repo>/<image>@sha256:<64 hex>. The vector store and the migration job run the same image."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9-]+-docker\\.pkg\\.dev/[a-z0-9-]+/[a-z0-9-]+/[a-z0-9._/-]+@sha256:[0-9a-f]{64}$", var.api_image))
    error_message = "Variable 'api_image' must be an Artifact Registry image by digest: REGION-docker.pkg.dev/PROJECT/REPO/IMAGE@sha256:<64 hex>."
  }
}

variable "api_min_instances" {
  description = "Cloud Run instances of the API kept warm (0 lets it scale to zero, with cold starts)."
  type        = number
  default     = 1

  validation {
    condition     = var.api_min_instances >= 0 && var.api_min_instances <= 10 && floor(var.api_min_instances) == var.api_min_instances
    error_message = "Variable 'api_min_instances' must be a whole number from 0 to 10."
  }
}

variable "api_max_instances" {
  description = "Upper bound of API instances; each holds a database pool of DATABASE_POOL_MAX connections, so keep max x pool below the Cloud SQL tier's connection limit."
  type        = number
  default     = 4

  validation {
    condition     = var.api_max_instances >= 1 && var.api_max_instances <= 100 && floor(var.api_max_instances) == var.api_max_instances
    error_message = "Variable 'api_max_instances' must be a whole number from 1 to 100."
  }
}

variable "db_tier" {
  description = "Cloud SQL machine tier of the PostgreSQL instance."
  type        = string
  default     = "db-custom-1-3840"

  validation {
    condition     = can(regex("^db-(custom-[0-9]+-[0-9]+|f1-micro|g1-small|perf-optimized-N-[0-9]+)$", var.db_tier))
    error_message = "Variable 'db_tier' must be a Cloud SQL tier such as db-custom-1-3840 or db-g1-small."
  }
}

variable "db_high_availability" {
  description = "Run Cloud SQL as a regional (failover) instance instead of a zonal one; doubles its price."
  type        = bool
  default     = false
}

variable "db_password" {
  description = "Password of the database user. Ephemeral: written to Cloud SQL and Secret Manager through write-only arguments, never stored in plan or state. Supply it as TF_VAR_db_password from a secret store."
  type        = string
  sensitive   = true
  ephemeral   = true

  validation {
    condition     = length(var.db_password) >= 24
    error_message = "Variable 'db_password' must be at least 24 characters (e.g. openssl rand -base64 32)."
  }
}

variable "db_password_version" {
  description = "Increase by one to rotate the database password: write-only arguments are sent only when their version changes."
  type        = number
  default     = 1

  validation {
    condition     = var.db_password_version >= 1 && floor(var.db_password_version) == var.db_password_version
    error_message = "Variable 'db_password_version' must be a whole number, 1 or more."
  }
}

variable "deletion_protection" {
  description = "Refuse to delete the database instance and the vector data bucket."
  type        = bool
  default     = true
}

variable "labels" {
  description = "Extra labels on every resource that takes labels."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for k, v in var.labels : can(regex("^[a-z][a-z0-9_-]{0,62}$", k)) && can(regex("^[a-z0-9_-]{0,63}$", v))])
    error_message = "Variable 'labels' must use lower-case keys (starting with a letter) and values of at most 63 of a-z 0-9 '_' '-'."
  }
}
