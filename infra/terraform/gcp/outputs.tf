output "api_url" {
  description = "Public URL of the API (Cloud Run); PRODUCTION_URL when this configuration serves production."
  value       = google_cloud_run_v2_service.api.uri
}

output "image_repository" {
  description = "Where CD pushes release images: <region>-docker.pkg.dev/<project>/<repository>."
  value       = "${var.region}-docker.pkg.dev/${var.project_id}/${google_artifact_registry_repository.this.repository_id}"
}

output "migrate_job" {
  description = "Cloud Run job CD executes before shifting traffic: gcloud run jobs execute <name> --region <region> --wait."
  value       = google_cloud_run_v2_job.migrate.name
}

output "sql_connection_name" {
  description = "Cloud SQL connection name (project:region:instance), for cloud-sql-proxy from an operator's machine."
  value       = google_sql_database_instance.this.connection_name
}

output "vector_store_url" {
  description = "Internal URL of the vector store; reachable only from the project's VPC."
  value       = google_cloud_run_v2_service.vectors.uri
}

output "api_service_account" {
  description = "Service account the API and the migration job run as."
  value       = google_service_account.api.email
}
