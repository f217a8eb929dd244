-- The Vietnamese sort key of each person's name (NameCollator::sort_key), so that lists are
-- sorted and paged by the database. Filled in by Store::migrate, which also makes every key
-- again when the collator changes (meta 'people.name_order').
ALTER TABLE people ADD COLUMN name_order BLOB;
