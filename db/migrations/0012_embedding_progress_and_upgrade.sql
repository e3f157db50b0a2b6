-- Progress of a source's embedding, so operators can watch a long document (or a re-embedding
-- after a model change) advance: the chunks embedded so far out of those the current or last
-- job had to embed. Written by the ingest worker after each batch, outside the job's final
-- transaction; neither column is read by search.

ALTER TABLE knowledge_sources
    ADD COLUMN chunks_embedded INT UNSIGNED NOT NULL DEFAULT 0
        COMMENT 'Chunks the current or last ingestion or re-embedding job has embedded so far' AFTER chunk_count,
    ADD COLUMN chunks_to_embed INT UNSIGNED NOT NULL DEFAULT 0
        COMMENT 'Chunks that job has to embed in all (0 before a job has chunked the content)' AFTER chunks_embedded;

UPDATE knowledge_sources SET chunks_embedded = chunk_count, chunks_to_embed = chunk_count WHERE status = 'ready';

-- Ingest workers look for chunks embedded by another model than the current one, to move their
-- sources to it in the background (after a model upgrade); this keeps that look a short range scan.
ALTER TABLE knowledge_chunks ADD KEY knowledge_chunks_model (embedding_model, organization_id, source_id);

-- Lexical ranking is BM25 over stemmed words in each responder's index now; nothing reads the
-- full-text index any more, and every chunk insert paid for it.
ALTER TABLE knowledge_chunks DROP KEY knowledge_chunks_content;
