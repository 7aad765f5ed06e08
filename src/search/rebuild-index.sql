-- Rebuilds the search index from the records (RUNBOOK "Search index"): the same statements as the
-- backfill at the end of migrations/0005_search.sql. Safe to run at any time; run it in one go
-- (`wrangler d1 execute DB --file src/search/rebuild-index.sql`), it is one transaction.
DELETE FROM search_index;
DELETE FROM search_documents;
INSERT INTO search_documents (tenant_id, kind, record_id) SELECT tenant_id, 'contact', id FROM contacts;
INSERT INTO search_index (rowid, scope, names, details)
	SELECT d.id, t.scope, t.names, t.details FROM search_contact_text t
	JOIN search_documents d ON d.kind = 'contact' AND d.record_id = t.record_id;
INSERT INTO search_documents (tenant_id, kind, record_id) SELECT tenant_id, 'company', id FROM companies;
INSERT INTO search_index (rowid, scope, names, details)
	SELECT d.id, t.scope, t.names, t.details FROM search_company_text t
	JOIN search_documents d ON d.kind = 'company' AND d.record_id = t.record_id;
INSERT INTO search_documents (tenant_id, kind, record_id) SELECT tenant_id, 'deal', id FROM deals;
INSERT INTO search_index (rowid, scope, names, details)
	SELECT d.id, t.scope, t.names, t.details FROM search_deal_text t
	JOIN search_documents d ON d.kind = 'deal' AND d.record_id = t.record_id;
