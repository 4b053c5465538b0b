# tflint for every configuration under infra/terraform (run through scripts/infra/tflint).
# The terraform ruleset is bundled with tflint: nothing is downloaded. "all" adds the style rules of
# terraform-aws-modules (standard module structure, documented and typed variables and outputs,
# snake_case names, pinned versions) to the recommended ones.
config {
  format = "compact"
}

plugin "terraform" {
  enabled = true
  preset  = "all"
}
