resource "google_firestore_database" "main" {
  name                        = "(default)"
  location_id                 = local.firestore_location
  type                        = "FIRESTORE_NATIVE"
  app_engine_integration_mode = "DISABLED"
  # Destroying this stack leaves the database (and its tasks) in place.
  deletion_policy = "ABANDON"

  depends_on = [google_project_service.required]
}

# Indexes, index exemptions and the TTL policies come from infra/firestore.indexes.json, the file
# the Firebase CLI deploys too, so the two ways of deploying cannot disagree.
locals {
  firestore_spec = jsondecode(file("${path.module}/firestore.indexes.json"))

  firestore_indexes = {
    for idx in local.firestore_spec.indexes :
    "${idx.collectionGroup}/${join(",", [for f in idx.fields : "${f.fieldPath}:${try(f.order, f.arrayConfig)}"])}" => idx
  }
  firestore_field_overrides = {
    for o in local.firestore_spec.fieldOverrides : "${o.collectionGroup}/${o.fieldPath}" => o
  }
  firestore_collection_groups = distinct(concat(
    [for idx in local.firestore_spec.indexes : idx.collectionGroup],
    [for o in local.firestore_spec.fieldOverrides : o.collectionGroup],
  ))
}

resource "google_firestore_index" "composite" {
  for_each = local.firestore_indexes

  database    = google_firestore_database.main.name
  collection  = each.value.collectionGroup
  query_scope = try(each.value.queryScope, "COLLECTION")

  dynamic "fields" {
    for_each = each.value.fields
    content {
      field_path   = fields.value.fieldPath
      order        = try(fields.value.order, null)
      array_config = try(fields.value.arrayConfig, null)
    }
  }

  lifecycle {
    precondition {
      condition     = contains(local.firestore_collection_groups, var.firestore_collection)
      error_message = "var.firestore_collection is not a collectionGroup in infra/firestore.indexes.json: change the file to match."
    }
  }
}

# One resource per field override: the TTL policy on expire_at (tasks and idempotency keys),
# and single-field index exemptions (an empty index_config disables the field's indexes).
resource "google_firestore_field" "overrides" {
  for_each = local.firestore_field_overrides

  database   = google_firestore_database.main.name
  collection = each.value.collectionGroup
  field      = each.value.fieldPath

  dynamic "ttl_config" {
    for_each = try(each.value.ttl, false) ? [1] : []
    content {}
  }

  dynamic "index_config" {
    for_each = can(each.value.indexes) ? [each.value.indexes] : []
    content {
      dynamic "indexes" {
        for_each = index_config.value
        content {
          order        = try(indexes.value.order, null)
          array_config = try(indexes.value.arrayConfig, null)
          query_scope  = try(indexes.value.queryScope, "COLLECTION")
        }
      }
    }
  }
}
