-- A trigram index of people's folded names (people.search_key), so that a part of a name is
-- found among a city's or the country's people without reading every one of them
-- (Store::name_search chooses it). The index keeps no copy of the names (content = people);
-- triggers keep it in step. secure-delete takes an erased name's trigrams out of the index
-- at once instead of leaving them in older segments until a merge.
CREATE VIRTUAL TABLE people_search USING fts5(
    search_key, content = 'people', content_rowid = 'id', tokenize = 'trigram', detail = 'none'
);
INSERT INTO people_search (people_search, rank) VALUES ('secure-delete', 1);
INSERT INTO people_search (people_search) VALUES ('rebuild');

CREATE TRIGGER people_search_insert AFTER INSERT ON people BEGIN
    INSERT INTO people_search (rowid, search_key) VALUES (new.id, new.search_key);
END;
CREATE TRIGGER people_search_delete AFTER DELETE ON people BEGIN
    INSERT INTO people_search (people_search, rowid, search_key) VALUES ('delete', old.id, old.search_key);
END;
CREATE TRIGGER people_search_update AFTER UPDATE OF search_key ON people BEGIN
    INSERT INTO people_search (people_search, rowid, search_key) VALUES ('delete', old.id, old.search_key);
    INSERT INTO people_search (rowid, search_key) VALUES (new.id, new.search_key);
END;
