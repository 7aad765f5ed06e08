-- Erasure (src/erasure): by default FTS5 deletes by appending delete markers, leaving a deleted
-- record's terms in search_index_data until segments happen to merge. With secure-delete, a delete
-- rewrites the pages that held the terms, so an erased person's name, email and phone digits leave
-- the shadow tables at once. The optimize rewrites the index once, clearing what earlier deletes left.
INSERT INTO search_index (search_index, rank) VALUES ('secure-delete', 1);
--> statement-breakpoint
INSERT INTO search_index (search_index) VALUES ('optimize');
