-- Full-text search over roadmaps, phases, topics, projects, certifications and sources.
--
-- `search_documents` holds one row per searchable thing (its title, its text, and the API URL
-- of the resource it stands for); `search_index` is an FTS5 index over it (external content,
-- so the text is stored once), kept in step by the triggers below. Rows belong to a roadmap
-- and are rewritten with it on every import or write, in the same transaction.
--
-- Porter stemming over unicode61 tokens: `predict` finds "Prediction", and `scikit-learn`
-- (quoted as a phrase by the API) finds "scikit-learn".

create table search_documents (
    id integer primary key,
    roadmap_id integer not null references roadmaps (id) on delete cascade,
    kind text not null check (kind in ('roadmap', 'phase', 'topic', 'project', 'certification', 'source')),
    -- The slug of the entity for global resources (certification, source), else null.
    ref_slug text,
    title text not null,
    body text not null,
    url text not null
);

create index search_documents_roadmap on search_documents (roadmap_id);
create index search_documents_ref on search_documents (kind, ref_slug);

create virtual table search_index using fts5 (
    title,
    body,
    content = 'search_documents',
    content_rowid = 'id',
    tokenize = 'porter unicode61'
);

create trigger search_documents_insert after insert on search_documents begin
    insert into search_index (rowid, title, body) values (new.id, new.title, new.body);
end;

create trigger search_documents_delete after delete on search_documents begin
    insert into search_index (search_index, rowid, title, body)
    values ('delete', old.id, old.title, old.body);
end;

-- Difficulty in its natural order, for sorting the catalogue.
alter table roadmaps add column difficulty_rank integer not null
    generated always as (
        case difficulty when 'low' then 1 when 'medium' then 2 when 'high' then 3 else 4 end
    ) virtual;

create index roadmaps_title on roadmaps (title, slug);
create index roadmaps_difficulty_rank on roadmaps (difficulty_rank, slug);

-- Every write bumps the content version; a search cursor pins it, so a page of results is
-- never taken from a ranking that has since changed.
insert into meta (name, value) values ('content_version', '0');
