-- Search over contacts, companies and deals (issue 7, item 6). See src/search/search.schema.ts.
--
-- search_documents gives every indexed record a stable integer id: the records have text primary
-- keys, and the implicit rowid of such a table may change on VACUUM, so it cannot be an FTS rowid.
-- search_index is one FTS5 table for the three kinds (it stores its own copy of the text, so a
-- delete never depends on the old values). `scope` holds one token, kind + tenant id, so a MATCH
-- itself is limited to one tenant's records of one kind; `names` and `details` hold text that went
-- through platform/text-normalise.ts (FTS5 folds no Arabic) and every phone's digits, with each
-- suffix of four digits or more, so that any part of a number finds it with a prefix query.
-- The views below say what is indexed; the triggers keep the index in step with every write.
CREATE TABLE `search_documents` (
	`id` integer PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`kind` text NOT NULL,
	`record_id` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `search_documents_record` ON `search_documents` (`kind`, `record_id`);
--> statement-breakpoint
CREATE VIRTUAL TABLE `search_index` USING fts5(scope, names, details, tokenize = 'unicode61 remove_diacritics 2');
--> statement-breakpoint
CREATE VIEW `search_contact_text` AS
SELECT c.id AS record_id, 'contact' || replace(c.tenant_id, '_', '') AS scope,
	c.name_norm || ' ' || c.name_key AS names,
	coalesce(lower(c.email), '') || ' ' || coalesce((
		SELECT group_concat(p.d || ' ' || iif(length(p.d) >= 5, substr(p.d, 2), '') || ' ' || iif(length(p.d) >= 6, substr(p.d, 3), '') || ' ' || iif(length(p.d) >= 7, substr(p.d, 4), '') || ' ' || iif(length(p.d) >= 8, substr(p.d, 5), '') || ' ' || iif(length(p.d) >= 9, substr(p.d, 6), '') || ' ' || iif(length(p.d) >= 10, substr(p.d, 7), '') || ' ' || iif(length(p.d) >= 11, substr(p.d, 8), '') || ' ' || iif(length(p.d) >= 12, substr(p.d, 9), '') || ' ' || iif(length(p.d) >= 13, substr(p.d, 10), '') || ' ' || iif(length(p.d) >= 14, substr(p.d, 11), '') || ' ' || iif(length(p.d) >= 15, substr(p.d, 12), ''), ' ')
		FROM (
			SELECT ltrim(cp.phone, '+') AS d FROM contact_phones cp WHERE cp.contact_id = c.id
			UNION SELECT ltrim(c.phone, '+') WHERE c.phone IS NOT NULL
		) AS p
	), '') AS details
FROM contacts c
WHERE c.merged_into_id IS NULL;
--> statement-breakpoint
CREATE VIEW `search_company_text` AS
SELECT id AS record_id, 'company' || replace(tenant_id, '_', '') AS scope, name_norm AS names,
	coalesce(vat_number, '') || ' ' || coalesce(cr_number, '') AS details
FROM companies;
--> statement-breakpoint
CREATE VIEW `search_deal_text` AS
SELECT id AS record_id, 'deal' || replace(tenant_id, '_', '') AS scope, title_norm AS names, '' AS details
FROM deals;
--> statement-breakpoint
CREATE TRIGGER `search_contacts_insert` AFTER INSERT ON `contacts` BEGIN
	INSERT OR IGNORE INTO search_documents (tenant_id, kind, record_id) SELECT tenant_id, 'contact', id FROM contacts WHERE id = new.id;
	DELETE FROM search_index WHERE rowid = (SELECT id FROM search_documents WHERE kind = 'contact' AND record_id = new.id);
	INSERT INTO search_index (rowid, scope, names, details)
		SELECT d.id, t.scope, t.names, t.details FROM search_contact_text t
		JOIN search_documents d ON d.kind = 'contact' AND d.record_id = t.record_id
		WHERE t.record_id = new.id;
END;
--> statement-breakpoint
CREATE TRIGGER `search_contacts_update` AFTER UPDATE OF tenant_id, name_norm, name_key, email, phone, merged_into_id ON `contacts` BEGIN
	INSERT OR IGNORE INTO search_documents (tenant_id, kind, record_id) SELECT tenant_id, 'contact', id FROM contacts WHERE id = new.id;
	DELETE FROM search_index WHERE rowid = (SELECT id FROM search_documents WHERE kind = 'contact' AND record_id = new.id);
	INSERT INTO search_index (rowid, scope, names, details)
		SELECT d.id, t.scope, t.names, t.details FROM search_contact_text t
		JOIN search_documents d ON d.kind = 'contact' AND d.record_id = t.record_id
		WHERE t.record_id = new.id;
END;
--> statement-breakpoint
CREATE TRIGGER `search_contacts_delete` AFTER DELETE ON `contacts` BEGIN
	DELETE FROM search_index WHERE rowid = (SELECT id FROM search_documents WHERE kind = 'contact' AND record_id = old.id);
	DELETE FROM search_documents WHERE kind = 'contact' AND record_id = old.id;
END;
--> statement-breakpoint
CREATE TRIGGER `search_companies_insert` AFTER INSERT ON `companies` BEGIN
	INSERT OR IGNORE INTO search_documents (tenant_id, kind, record_id) SELECT tenant_id, 'company', id FROM companies WHERE id = new.id;
	DELETE FROM search_index WHERE rowid = (SELECT id FROM search_documents WHERE kind = 'company' AND record_id = new.id);
	INSERT INTO search_index (rowid, scope, names, details)
		SELECT d.id, t.scope, t.names, t.details FROM search_company_text t
		JOIN search_documents d ON d.kind = 'company' AND d.record_id = t.record_id
		WHERE t.record_id = new.id;
END;
--> statement-breakpoint
CREATE TRIGGER `search_companies_update` AFTER UPDATE OF tenant_id, name_norm, vat_number, cr_number ON `companies` BEGIN
	INSERT OR IGNORE INTO search_documents (tenant_id, kind, record_id) SELECT tenant_id, 'company', id FROM companies WHERE id = new.id;
	DELETE FROM search_index WHERE rowid = (SELECT id FROM search_documents WHERE kind = 'company' AND record_id = new.id);
	INSERT INTO search_index (rowid, scope, names, details)
		SELECT d.id, t.scope, t.names, t.details FROM search_company_text t
		JOIN search_documents d ON d.kind = 'company' AND d.record_id = t.record_id
		WHERE t.record_id = new.id;
END;
--> statement-breakpoint
CREATE TRIGGER `search_companies_delete` AFTER DELETE ON `companies` BEGIN
	DELETE FROM search_index WHERE rowid = (SELECT id FROM search_documents WHERE kind = 'company' AND record_id = old.id);
	DELETE FROM search_documents WHERE kind = 'company' AND record_id = old.id;
END;
--> statement-breakpoint
CREATE TRIGGER `search_deals_insert` AFTER INSERT ON `deals` BEGIN
	INSERT OR IGNORE INTO search_documents (tenant_id, kind, record_id) SELECT tenant_id, 'deal', id FROM deals WHERE id = new.id;
	DELETE FROM search_index WHERE rowid = (SELECT id FROM search_documents WHERE kind = 'deal' AND record_id = new.id);
	INSERT INTO search_index (rowid, scope, names, details)
		SELECT d.id, t.scope, t.names, t.details FROM search_deal_text t
		JOIN search_documents d ON d.kind = 'deal' AND d.record_id = t.record_id
		WHERE t.record_id = new.id;
END;
--> statement-breakpoint
CREATE TRIGGER `search_deals_update` AFTER UPDATE OF tenant_id, title_norm ON `deals` BEGIN
	INSERT OR IGNORE INTO search_documents (tenant_id, kind, record_id) SELECT tenant_id, 'deal', id FROM deals WHERE id = new.id;
	DELETE FROM search_index WHERE rowid = (SELECT id FROM search_documents WHERE kind = 'deal' AND record_id = new.id);
	INSERT INTO search_index (rowid, scope, names, details)
		SELECT d.id, t.scope, t.names, t.details FROM search_deal_text t
		JOIN search_documents d ON d.kind = 'deal' AND d.record_id = t.record_id
		WHERE t.record_id = new.id;
END;
--> statement-breakpoint
CREATE TRIGGER `search_deals_delete` AFTER DELETE ON `deals` BEGIN
	DELETE FROM search_index WHERE rowid = (SELECT id FROM search_documents WHERE kind = 'deal' AND record_id = old.id);
	DELETE FROM search_documents WHERE kind = 'deal' AND record_id = old.id;
END;
--> statement-breakpoint
-- A phone that is also the contact's first phone (contacts.phone) is indexed already with the
-- contact row: adding or removing its contact_phones row changes nothing in the index.
CREATE TRIGGER `search_contact_phones_insert` AFTER INSERT ON `contact_phones`
WHEN NOT EXISTS (SELECT 1 FROM contacts WHERE id = new.contact_id AND phone = new.phone) BEGIN
	INSERT OR IGNORE INTO search_documents (tenant_id, kind, record_id) SELECT tenant_id, 'contact', id FROM contacts WHERE id = new.contact_id;
	DELETE FROM search_index WHERE rowid = (SELECT id FROM search_documents WHERE kind = 'contact' AND record_id = new.contact_id);
	INSERT INTO search_index (rowid, scope, names, details)
		SELECT d.id, t.scope, t.names, t.details FROM search_contact_text t
		JOIN search_documents d ON d.kind = 'contact' AND d.record_id = t.record_id
		WHERE t.record_id = new.contact_id;
END;
--> statement-breakpoint
CREATE TRIGGER `search_contact_phones_update` AFTER UPDATE ON `contact_phones` BEGIN
	INSERT OR IGNORE INTO search_documents (tenant_id, kind, record_id) SELECT tenant_id, 'contact', id FROM contacts WHERE id = old.contact_id;
	DELETE FROM search_index WHERE rowid = (SELECT id FROM search_documents WHERE kind = 'contact' AND record_id = old.contact_id);
	INSERT INTO search_index (rowid, scope, names, details)
		SELECT d.id, t.scope, t.names, t.details FROM search_contact_text t
		JOIN search_documents d ON d.kind = 'contact' AND d.record_id = t.record_id
		WHERE t.record_id = old.contact_id;
	INSERT OR IGNORE INTO search_documents (tenant_id, kind, record_id) SELECT tenant_id, 'contact', id FROM contacts WHERE id = new.contact_id;
	DELETE FROM search_index WHERE rowid = (SELECT id FROM search_documents WHERE kind = 'contact' AND record_id = new.contact_id);
	INSERT INTO search_index (rowid, scope, names, details)
		SELECT d.id, t.scope, t.names, t.details FROM search_contact_text t
		JOIN search_documents d ON d.kind = 'contact' AND d.record_id = t.record_id
		WHERE t.record_id = new.contact_id;
END;
--> statement-breakpoint
CREATE TRIGGER `search_contact_phones_delete` AFTER DELETE ON `contact_phones`
WHEN NOT EXISTS (SELECT 1 FROM contacts WHERE id = old.contact_id AND phone = old.phone) BEGIN
	INSERT OR IGNORE INTO search_documents (tenant_id, kind, record_id) SELECT tenant_id, 'contact', id FROM contacts WHERE id = old.contact_id;
	DELETE FROM search_index WHERE rowid = (SELECT id FROM search_documents WHERE kind = 'contact' AND record_id = old.contact_id);
	INSERT INTO search_index (rowid, scope, names, details)
		SELECT d.id, t.scope, t.names, t.details FROM search_contact_text t
		JOIN search_documents d ON d.kind = 'contact' AND d.record_id = t.record_id
		WHERE t.record_id = old.contact_id;
END;
--> statement-breakpoint
-- Records written before this migration.
INSERT INTO search_documents (tenant_id, kind, record_id) SELECT tenant_id, 'contact', id FROM contacts;
--> statement-breakpoint
INSERT INTO search_index (rowid, scope, names, details)
	SELECT d.id, t.scope, t.names, t.details FROM search_contact_text t
	JOIN search_documents d ON d.kind = 'contact' AND d.record_id = t.record_id;
--> statement-breakpoint
INSERT INTO search_documents (tenant_id, kind, record_id) SELECT tenant_id, 'company', id FROM companies;
--> statement-breakpoint
INSERT INTO search_index (rowid, scope, names, details)
	SELECT d.id, t.scope, t.names, t.details FROM search_company_text t
	JOIN search_documents d ON d.kind = 'company' AND d.record_id = t.record_id;
--> statement-breakpoint
INSERT INTO search_documents (tenant_id, kind, record_id) SELECT tenant_id, 'deal', id FROM deals;
--> statement-breakpoint
INSERT INTO search_index (rowid, scope, names, details)
	SELECT d.id, t.scope, t.names, t.details FROM search_deal_text t
	JOIN search_documents d ON d.kind = 'deal' AND d.record_id = t.record_id;
