-- The known query backup-db.sh answers from the snapshot it dumps and again from the restored copy: the
-- reference service's full-text search (its GIN index and ts_rank) for a fixed term, as a JSON array of ids.
-- Replace it for another schema with SLIPWAY_BACKUP_KNOWN_QUERY=<file>: one statement returning one value.
SELECT coalesce(json_agg(id ORDER BY rank DESC, id), '[]')
FROM (
  SELECT id, ts_rank(search_vector, query) AS rank
  FROM documents, to_tsquery('english', 'deploy | backup | health') AS query
  WHERE search_vector @@ query
  ORDER BY rank DESC, id
  LIMIT 5
) hits;
