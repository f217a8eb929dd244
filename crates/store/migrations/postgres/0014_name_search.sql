-- A trigram index of people's folded names (people.search_key), so that a part of a name is
-- found among a city's or the country's people without reading every one of them
-- (Store::name_search chooses it). pg_trgm ships with PostgreSQL (contrib) and is a trusted
-- extension: the database's owner may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX people_search_trigrams ON people USING gin (search_key gin_trgm_ops);
