# NOT DEPLOYED: Slipway on Google Cloud, for when a team outgrows one VPS (docs/INFRA.md, "Beyond one VPS").
# The same release image runs as three things, as in docker/compose.release.yaml:
#   api       Cloud Run service, public, scales out; PostgreSQL through the Cloud SQL connector socket
#   vectors   Cloud Run service, one instance, internal ingress only, data on a Cloud Storage volume
#   migrate   Cloud Run job, run by CD before it shifts traffic to a new revision
# The database password is an ephemeral input: Cloud SQL and Secret Manager get it through write-only
# arguments, and the api and migrate read it from a file, as DATABASE_PASSWORD_FILE does on the VPS.

locals {
  labels = merge(var.labels, { "app" = "slipway", "managed-by" = "tofu" })

  apis = toset([
    "artifactregistry.googleapis.com",
    "compute.googleapis.com",
    "run.googleapis.com",
    "secretmanager.googleapis.com",
    "sqladmin.googleapis.com",
  ])

  secrets_dir   = "/run/secrets"
  cloudsql_dir  = "/cloudsql"
  database_name = "slipway"
  database_user = "slipway"
  # What the api and migrate read (service/src/config.ts); the host is the connector's socket directory.
  database_env = {
    DATABASE_HOST          = "${local.cloudsql_dir}/${google_sql_database_instance.this.connection_name}"
    DATABASE_NAME          = local.database_name
    DATABASE_USER          = local.database_user
    DATABASE_PASSWORD_FILE = "${local.secrets_dir}/db_password"
    NODE_ENV               = "production"
  }
}

resource "google_project_service" "this" {
  for_each = local.apis

  service            = each.value
  disable_on_destroy = false
}

# --- images ---------------------------------------------------------------------------------------

resource "google_artifact_registry_repository" "this" {
  repository_id = var.name
  location      = var.region
  format        = "DOCKER"
  description   = "Slipway release images, pushed by CD and referenced by digest."
  labels        = local.labels

  cleanup_policies {
    id     = "keep-recent-releases"
    action = "KEEP"
    most_recent_versions {
      keep_count = 20
    }
  }

  cleanup_policies {
    id     = "delete-old-untagged"
    action = "DELETE"
    condition {
      tag_state  = "UNTAGGED"
      older_than = "2592000s"
    }
  }

  depends_on = [google_project_service.this]
}

# --- identities -----------------------------------------------------------------------------------

resource "google_service_account" "api" {
  account_id   = "${var.name}-api"
  display_name = "Slipway API and migrations"
}

resource "google_service_account" "vectors" {
  account_id   = "${var.name}-vectors"
  display_name = "Slipway vector store"
}

resource "google_project_iam_member" "api_cloudsql" {
  project = var.project_id
  role    = "roles/cloudsql.client"
  member  = google_service_account.api.member
}

# --- database -------------------------------------------------------------------------------------

resource "google_sql_database_instance" "this" {
  name                = var.name
  region              = var.region
  database_version    = "POSTGRES_15"
  deletion_protection = var.deletion_protection

  settings {
    tier                        = var.db_tier
    edition                     = "ENTERPRISE"
    availability_type           = var.db_high_availability ? "REGIONAL" : "ZONAL"
    disk_autoresize             = true
    deletion_protection_enabled = var.deletion_protection
    user_labels                 = local.labels

    backup_configuration {
      enabled                        = true
      point_in_time_recovery_enabled = true
      start_time                     = "02:00"
    }

    # A public address with no authorised networks: only the Cloud SQL connector (IAM-checked, TLS) gets in.
    ip_configuration {
      ipv4_enabled = true
      ssl_mode     = "ENCRYPTED_ONLY"
    }

    insights_config {
      query_insights_enabled = true
    }
  }

  depends_on = [google_project_service.this]
}

resource "google_sql_database" "this" {
  name     = local.database_name
  instance = google_sql_database_instance.this.name
}

resource "google_sql_user" "app" {
  name                = local.database_user
  instance            = google_sql_database_instance.this.name
  password_wo         = var.db_password
  password_wo_version = var.db_password_version
}

resource "google_secret_manager_secret" "db_password" {
  secret_id = "${var.name}-db-password"
  labels    = local.labels

  replication {
    auto {}
  }

  depends_on = [google_project_service.this]
}

resource "google_secret_manager_secret_version" "db_password" {
  secret                 = google_secret_manager_secret.db_password.id
  secret_data_wo         = var.db_password
  secret_data_wo_version = var.db_password_version
}

resource "google_secret_manager_secret_iam_member" "api_db_password" {
  secret_id = google_secret_manager_secret.db_password.id
  role      = "roles/secretmanager.secretAccessor"
  member    = google_service_account.api.member
}

# --- network: the api reaches the internal-only vector store through the VPC -----------------------

resource "google_compute_network" "this" {
  name                    = var.name
  auto_create_subnetworks = false

  depends_on = [google_project_service.this]
}

resource "google_compute_subnetwork" "run" {
  name                     = "${var.name}-run"
  region                   = var.region
  network                  = google_compute_network.this.id
  ip_cidr_range            = "10.8.0.0/24"
  private_ip_google_access = true
}

# --- vector store ---------------------------------------------------------------------------------

resource "google_storage_bucket" "vectors" {
  name                        = "${var.project_id}-${var.name}-vectors"
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = !var.deletion_protection
  labels                      = local.labels

  versioning {
    enabled = true
  }
}

resource "google_storage_bucket_iam_member" "vectors_data" {
  bucket = google_storage_bucket.vectors.name
  role   = "roles/storage.objectUser"
  member = google_service_account.vectors.member
}

resource "google_cloud_run_v2_service" "vectors" {
  name                = "${var.name}-vectors"
  location            = var.region
  ingress             = "INGRESS_TRAFFIC_INTERNAL_ONLY"
  deletion_protection = false
  labels              = local.labels

  template {
    service_account       = google_service_account.vectors.email
    execution_environment = "EXECUTION_ENVIRONMENT_GEN2"

    # One writer: the store keeps its index in files.
    scaling {
      min_instance_count = 1
      max_instance_count = 1
    }

    volumes {
      name = "data"
      gcs {
        bucket    = google_storage_bucket.vectors.name
        read_only = false
      }
    }

    containers {
      image = var.api_image
      args  = ["vector-store"]

      ports {
        container_port = 8081
      }

      env {
        name  = "DATA_DIR"
        value = "/data"
      }

      volume_mounts {
        name       = "data"
        mount_path = "/data"
      }

      resources {
        limits = { cpu = "1", memory = "1Gi" }
      }

      startup_probe {
        http_get {
          path = "/api/v1/heartbeat"
        }
      }
    }
  }

  depends_on = [google_project_service.this, google_storage_bucket_iam_member.vectors_data]
}

# Internal ingress is the fence: only traffic from the project's VPC (the api's egress) reaches it.
resource "google_cloud_run_v2_service_iam_member" "vectors_invoker" {
  name     = google_cloud_run_v2_service.vectors.name
  location = var.region
  role     = "roles/run.invoker"
  member   = "allUsers"
}

# --- api ------------------------------------------------------------------------------------------

resource "google_cloud_run_v2_service" "api" {
  name                = "${var.name}-api"
  location            = var.region
  ingress             = "INGRESS_TRAFFIC_ALL"
  deletion_protection = false
  labels              = local.labels

  template {
    service_account = google_service_account.api.email

    scaling {
      min_instance_count = var.api_min_instances
      max_instance_count = var.api_max_instances
    }

    # All egress through the VPC, so calls to the vector store's run.app URL count as internal.
    vpc_access {
      egress = "ALL_TRAFFIC"
      network_interfaces {
        network    = google_compute_network.this.id
        subnetwork = google_compute_subnetwork.run.id
      }
    }

    volumes {
      name = "cloudsql"
      cloud_sql_instance {
        instances = [google_sql_database_instance.this.connection_name]
      }
    }

    volumes {
      name = "secrets"
      secret {
        secret = google_secret_manager_secret.db_password.secret_id
        items {
          version = "latest"
          path    = "db_password"
        }
      }
    }

    containers {
      image = var.api_image
      args  = ["serve"]

      ports {
        container_port = 8080
      }

      dynamic "env" {
        for_each = merge(local.database_env, { VECTOR_STORE_URL = google_cloud_run_v2_service.vectors.uri })
        content {
          name  = env.key
          value = env.value
        }
      }

      volume_mounts {
        name       = "cloudsql"
        mount_path = local.cloudsql_dir
      }

      volume_mounts {
        name       = "secrets"
        mount_path = local.secrets_dir
      }

      resources {
        limits = { cpu = "1", memory = "512Mi" }
      }

      startup_probe {
        http_get {
          path = "/health"
        }
      }

      liveness_probe {
        http_get {
          path = "/health"
        }
      }
    }
  }

  depends_on = [
    google_project_iam_member.api_cloudsql,
    google_secret_manager_secret_iam_member.api_db_password,
    google_secret_manager_secret_version.db_password,
  ]
}

resource "google_cloud_run_v2_service_iam_member" "api_public" {
  name     = google_cloud_run_v2_service.api.name
  location = var.region
  role     = "roles/run.invoker"
  member   = "allUsers"
}

# --- migrations -----------------------------------------------------------------------------------

resource "google_cloud_run_v2_job" "migrate" {
  name                = "${var.name}-migrate"
  location            = var.region
  deletion_protection = false
  labels              = local.labels

  template {
    template {
      service_account = google_service_account.api.email
      max_retries     = 0

      volumes {
        name = "cloudsql"
        cloud_sql_instance {
          instances = [google_sql_database_instance.this.connection_name]
        }
      }

      volumes {
        name = "secrets"
        secret {
          secret = google_secret_manager_secret.db_password.secret_id
          items {
            version = "latest"
            path    = "db_password"
          }
        }
      }

      containers {
        image = var.api_image
        args  = ["migrate"]

        dynamic "env" {
          for_each = local.database_env
          content {
            name  = env.key
            value = env.value
          }
        }

        volume_mounts {
          name       = "cloudsql"
          mount_path = local.cloudsql_dir
        }

        volume_mounts {
          name       = "secrets"
          mount_path = local.secrets_dir
        }
      }
    }
  }

  depends_on = [
    google_project_iam_member.api_cloudsql,
    google_secret_manager_secret_iam_member.api_db_password,
    google_secret_manager_secret_version.db_password,
  ]
}
