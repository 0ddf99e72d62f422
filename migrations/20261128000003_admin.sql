-- Content management: admin tokens and the published revisions of every roadmap.

-- Admin bearer tokens. Only a SHA-256 hash of each token is kept: the token itself is shown
-- once, when it is created, and cannot be recovered from the database.
create table tokens (
    name text primary key,
    hash text not null unique,
    created_at text not null default (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
) without rowid;

-- Every published state of a roadmap, in order. A revision keeps the document exactly as it
-- was published, so `?rev=N` serves it unchanged later, and it outlives the roadmap (a
-- deletion is a revision too, without a document), so the change feed can tell partners.
-- There is no foreign key to `roadmaps` on purpose.
create table revisions (
    id integer primary key,
    roadmap text not null,
    number integer not null check (number >= 1),
    kind text not null check (kind in ('created', 'updated', 'deleted')),
    created_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    -- The token name of the writer, or `cli` for `roadmap-api import`, `bundled` for seeding.
    author text not null,
    content_hash text,
    document text,
    check ((kind = 'deleted') = (document is null)),
    unique (roadmap, number)
);
