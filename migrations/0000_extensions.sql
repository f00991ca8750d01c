-- Trigram indexes back name search and fuzzy matching; the extension is trusted, so the hub's own role may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
