# The secrets' values are created with gcloud and never pass through Terraform or its state; but a
# value the worker would refuse at start-up (a CALLBACK_SECRET under 32 characters, or one with a
# trailing newline from `echo`) should fail `terraform apply`, not the worker's revision. This
# reads the pinned version with gcloud on the machine that runs Terraform (as the deploy guide
# does) and prints only its length; nothing of it is stored. It runs again when the version changes,
# before the worker is created or updated with it.
resource "terraform_data" "callback_secret_check" {
  triggers_replace = [var.project_id, var.secret_names.callback_secret, var.callback_secret_version]

  provisioner "local-exec" {
    interpreter = ["/bin/sh", "-c"]
    environment = {
      PROJECT = var.project_id
      SECRET  = var.secret_names.callback_secret
      VERSION = var.callback_secret_version
    }
    command = <<-EOT
      set -eu
      if ! command -v gcloud >/dev/null 2>&1; then
        echo "checking the CALLBACK_SECRET version needs the gcloud CLI on PATH (the deploy guide installs it)" >&2
        exit 1
      fi
      value=$(mktemp)
      trap 'rm -f "$value"' EXIT
      gcloud secrets versions access "$VERSION" --secret="$SECRET" --project="$PROJECT" > "$value"
      n=$(wc -c < "$value" | tr -d ' ')
      if [ "$n" -lt 32 ]; then
        echo "secret $SECRET version $VERSION (CALLBACK_SECRET) has $n characters; the worker needs at least 32 and would not start. Add a longer version (openssl rand -hex 32 | tr -d '\n' | gcloud secrets versions add $SECRET --data-file=-) and set callback_secret_version to it." >&2
        exit 1
      fi
      if [ -z "$(head -c 1 "$value" | tr -d ' \t\r\n')" ] || [ -z "$(tail -c 1 "$value" | tr -d ' \t\r\n')" ]; then
        echo "secret $SECRET version $VERSION (CALLBACK_SECRET) starts or ends with whitespace (a trailing newline?); the worker would not start. Add a version without it (printf %s, or tr -d '\n') and set callback_secret_version to it." >&2
        exit 1
      fi
    EOT
  }
}
