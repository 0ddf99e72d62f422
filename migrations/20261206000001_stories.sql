-- Transition stories: submitted by the public, moderated by editors, published into the
-- roadmap's `transition_stories` section.

-- A published story is now the submission's fields, not a title and a link. No roadmap ever
-- held one of the old shape (the bundled content has none, and there was no way to submit):
-- rather than guess how to convert one, the upgrade stops on a database that holds one.
create temp table upgrade_check (
    problem text constraint "export this database's transition stories and convert them to the new shape before upgrading" check (problem is null)
);
insert into upgrade_check (problem)
select 'old-shape story' from transition_stories
union all
select 'old-shape story in a revision' from revisions
where document is not null
    and json_array_length(document, '$.transition_stories.items') > 0;
drop table upgrade_check;

drop table transition_stories;

create table transition_stories (
    roadmap_id integer not null references roadmaps (id) on delete cascade,
    position integer not null,
    key text not null,
    -- Null: the person chose to stay anonymous.
    display_name text,
    from_role text not null,
    to_role text not null,
    year integer not null,
    story text not null,
    -- A JSON array of URLs, read only with the story.
    links text not null,
    verified integer not null check (verified in (0, 1)),
    primary key (roadmap_id, position),
    unique (roadmap_id, key)
) without rowid;

-- Submissions and their moderation. Personal data lives here only: `contact_email` is shown
-- to editors alone, and no address of the submitter is stored at all (the rate limit keeps
-- them in memory). Erasing a submission deletes its row and its history.
create table story_submissions (
    -- Keyset order for the moderation queue.
    seq integer primary key,
    -- The public id: random, so that ids say nothing about how many were submitted.
    id text not null unique,
    roadmap text not null,
    status text not null check (status in ('pending', 'approved', 'rejected')),
    -- Why an editor rejected it, shown to editors only.
    reason text,
    display_name text,
    from_role text not null,
    to_role text not null,
    year integer not null,
    story text not null,
    links text not null,
    contact_email text,
    verified integer not null default 0 check (verified in (0, 1)),
    -- The SHA-256 of the story text with case and spacing folded: the same story twice is
    -- refused, from anywhere.
    text_hash text not null unique,
    submitted_at text not null default (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    updated_at text not null default (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

create index story_submissions_status on story_submissions (status, seq);

-- Who did what to a submission, and when: the moderation audit. Roadmap revisions made by a
-- moderation write also carry a note naming the story.
create table story_events (
    submission_seq integer not null references story_submissions (seq) on delete cascade,
    at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    author text not null,
    action text not null
);

create index story_events_submission on story_events (submission_seq);

alter table revisions add column note text;

-- Stories are searchable. SQLite cannot change a check constraint in place: the table is
-- rebuilt with the same ids, so the full-text index, which refers to rows by id, stays valid.
create table search_documents_new (
    id integer primary key,
    roadmap_id integer not null references roadmaps (id) on delete cascade,
    kind text not null check (kind in ('roadmap', 'phase', 'topic', 'project', 'certification', 'source', 'story')),
    ref_slug text,
    title text not null,
    body text not null,
    url text not null
);
insert into search_documents_new (id, roadmap_id, kind, ref_slug, title, body, url)
select id, roadmap_id, kind, ref_slug, title, body, url from search_documents;
drop table search_documents;
alter table search_documents_new rename to search_documents;
create index search_documents_roadmap on search_documents (roadmap_id);
create index search_documents_ref on search_documents (kind, ref_slug);

create trigger search_documents_insert after insert on search_documents begin
    insert into search_index (rowid, title, body) values (new.id, new.title, new.body);
end;

create trigger search_documents_delete after delete on search_documents begin
    insert into search_index (search_index, rowid, title, body)
    values ('delete', old.id, old.title, old.body);
end;
