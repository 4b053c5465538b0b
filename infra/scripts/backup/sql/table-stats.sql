-- Rows and a content checksum of every table in the database, as one JSON object keyed "schema.table".
-- The checksum is the sum of a 64-bit hash of each row's text (hashtextextended): independent of row order,
-- constant memory whatever the table's size, and it changes when any row's text changes. It detects a lost or
-- altered row, not tampering; the files' sha256 in the manifest covers that. One scan per table. backup-db.sh
-- runs this inside the snapshot pg_dump dumps, and again on the restored copy; both must agree.
SELECT coalesce(json_object_agg(s.name, json_build_object(
  'rows', (xpath('/row/n/text()', s.x))[1]::text::bigint,
  'checksum', (xpath('/row/s/text()', s.x))[1]::text) ORDER BY s.name), '{}')
FROM (
  SELECT format('%s.%s', n.nspname, c.relname) AS name, query_to_xml(format(
    'SELECT count(*) AS n, coalesce(sum(hashtextextended(t::text, 0)::numeric), 0) AS s FROM %I.%I t',
    n.nspname, c.relname), false, true, '') AS x
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p')
    AND n.nspname NOT IN ('pg_catalog', 'information_schema')
    AND n.nspname !~ '^pg_(toast|temp)'
) s;
