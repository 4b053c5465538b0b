# A backup's manifest.json, from the values backup-db.sh collected (see --arg/--argjson there). `verified` is
# true because backup-db.sh writes a manifest only after the restore check passed; a failed run leaves none.
{
  format: 1,
  name: $name,
  created: $created,
  host: $host,
  release: $release,
  verified: true,
  tools: {
    pg_dump: $pgdump,
    postgres: $pgr,
    chroma: $chr,
    age: (if $age == "" then null else $age end)
  },
  files: $files,
  bytes: ([$files[].bytes] | add // 0),
  encryption: (if $plain == null then null else {tool: "age", plaintext: $plain} end),
  postgres: {
    file: "postgres.dump",
    database: $db,
    user: $user,
    image: $pgi,
    imageRef: $pgr,
    volume: $pgvol,
    volumeLabels: $pgvl,
    snapshot: $snap,
    stats: $pgs
  },
  chroma: {
    file: "chroma-data.tar",
    volume: $vol,
    volumeLabels: $vl,
    image: $chi,
    imageRef: $chr,
    apiVersion: $chroma,
    stats: $chs
  },
  verification: $verify,
  durations: {
    postgresDumpSeconds: $pgsec,
    chromaDownSeconds: $down,
    verifySeconds: $vsec,
    totalSeconds: $total
  }
}
