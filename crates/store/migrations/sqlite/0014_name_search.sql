-- A word index of people's folded names (people.search_key), so that a part of a name is
-- found among a city's or the country's people without reading every one of them
-- (Store::name_search chooses it): the words after the first of what was typed are looked
-- up as a phrase, the last one as a prefix, and the few people found are then compared
-- whole. The index keeps no copy of the names (content = people); triggers keep it in step.
-- secure-delete takes an erased name's words out of the index at once instead of leaving
-- them in older segments until a merge.
CREATE VIRTUAL TABLE people_words USING fts5(
    search_key, content = 'people', content_rowid = 'id', prefix = '2 3'
);
INSERT INTO people_words (people_words, rank) VALUES ('secure-delete', 1);
INSERT INTO people_words (people_words) VALUES ('rebuild');

CREATE TRIGGER people_words_insert AFTER INSERT ON people BEGIN
    INSERT INTO people_words (rowid, search_key) VALUES (new.id, new.search_key);
END;
CREATE TRIGGER people_words_delete AFTER DELETE ON people BEGIN
    INSERT INTO people_words (people_words, rowid, search_key) VALUES ('delete', old.id, old.search_key);
END;
CREATE TRIGGER people_words_update AFTER UPDATE OF search_key ON people BEGIN
    INSERT INTO people_words (people_words, rowid, search_key) VALUES ('delete', old.id, old.search_key);
    INSERT INTO people_words (rowid, search_key) VALUES (new.id, new.search_key);
END;
