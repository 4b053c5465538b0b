-- The document store. search_vector is derived by PostgreSQL itself, so it can never drift from the text.
CREATE TABLE documents (
  id text PRIMARY KEY,
  title text NOT NULL,
  body text NOT NULL,
  tags text[] NOT NULL DEFAULT '{}',
  content_sha256 text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  search_vector tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', body), 'B')
  ) STORED
);

CREATE INDEX documents_search_vector_idx ON documents USING gin (search_vector);
