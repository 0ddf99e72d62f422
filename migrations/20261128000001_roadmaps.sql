-- The roadmap store. One row per roadmap with its single-valued sections inline, and one table
-- per list section, so that the API can answer a sub-resource (a phase, a project, the
-- certifications of a tier) and a cross-roadmap query (every High Signal certification,
-- every project using PyTorch) with an index instead of re-reading whole documents.
--
-- Conventions:
-- * `position` keeps the page's order; `number` is the public 1-based number where the API
--   shows one (phases, projects, moves), and equals position + 1.
-- * `key` is the item's stable public key, unique within its roadmap across every list; the
--   per-table unique constraints below catch the common case, the domain layer checks the rest.
-- * Ranges are two integer columns with a check, never text.
-- * Lists of plain strings that are only ever read with their owner (employer examples, a
--   track's focus/datasets/tools, a move's steps) are JSON arrays in one column; lists that
--   are queried across roadmaps (project stack and datasets, sources) are tables.
-- * Indexes named for a cross-roadmap filter (tier, cost, hours, stack, dataset) serve the
--   queries across the collection that scripts make.
-- * Deleting a roadmap cascades to everything it owns; certifications and sources are shared
--   entities and outlive it.

create table roadmaps (
    id integer primary key,
    slug text not null unique,
    title text not null,
    role text not null,
    icon text not null,
    language text not null,
    publisher_name text not null,
    publisher_author text not null,
    summary text not null,
    difficulty text not null check (difficulty in ('low', 'medium', 'high', 'very_high')),
    timeline_min integer not null,
    timeline_max integer not null check (timeline_min <= timeline_max),
    best_suited_for text not null,
    work_label text not null,
    work_text text not null,
    remote_min integer not null,
    remote_max integer not null check (remote_min <= remote_max),
    hybrid_min integer not null,
    hybrid_max integer not null check (hybrid_min <= hybrid_max),
    onsite_min integer not null,
    onsite_max integer not null check (onsite_min <= onsite_max),
    remote_note text,
    demand_level text not null,
    demand_detail text not null,
    key_differentiator text not null,
    path_timeline_min integer not null,
    path_timeline_max integer not null check (path_timeline_min <= path_timeline_max),
    certifications_reality_check text not null,
    certifications_recommendation text not null,
    transition_stories_note text,
    first_moves_note text,
    sources_declared_count integer,
    updated_at text not null default (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

-- Catalogue filters.
create index roadmaps_difficulty on roadmaps (difficulty, slug);
create index roadmaps_timeline on roadmaps (timeline_max, slug);

create table regional_hubs (
    roadmap_id integer not null references roadmaps (id) on delete cascade,
    position integer not null,
    key text not null,
    name text not null,
    note text,
    primary key (roadmap_id, position),
    unique (roadmap_id, key)
) without rowid;

create table employers (
    roadmap_id integer not null references roadmaps (id) on delete cascade,
    position integer not null,
    key text not null,
    category text not null,
    examples text not null check (json_valid(examples)),
    primary key (roadmap_id, position),
    unique (roadmap_id, key)
) without rowid;

create table clinical_advantages (
    roadmap_id integer not null references roadmaps (id) on delete cascade,
    position integer not null,
    key text not null,
    title text not null,
    detail text not null,
    primary key (roadmap_id, position),
    unique (roadmap_id, key)
) without rowid;

create table transferable_skills (
    roadmap_id integer not null references roadmaps (id) on delete cascade,
    position integer not null,
    key text not null,
    clinical_skill text not null,
    technical_skill text not null,
    detail text not null,
    summary text not null,
    primary key (roadmap_id, position),
    unique (roadmap_id, key)
) without rowid;

create table phases (
    id integer primary key,
    roadmap_id integer not null references roadmaps (id) on delete cascade,
    number integer not null check (number >= 1),
    key text not null,
    title text not null,
    months_min integer not null,
    months_max integer not null check (months_min <= months_max),
    hours_min integer not null,
    hours_max integer not null check (hours_min <= hours_max),
    hours_text text not null,
    checkpoint text not null,
    unique (roadmap_id, number),
    unique (roadmap_id, key)
);

create table topic_groups (
    id integer primary key,
    phase_id integer not null references phases (id) on delete cascade,
    position integer not null,
    key text not null,
    label text not null,
    months_min integer not null,
    months_max integer not null check (months_min <= months_max),
    title text,
    unique (phase_id, position)
);

create table topics (
    topic_group_id integer not null references topic_groups (id) on delete cascade,
    position integer not null,
    key text not null,
    text text not null,
    primary key (topic_group_id, position)
) without rowid;

create table tracks (
    phase_id integer not null references phases (id) on delete cascade,
    position integer not null,
    key text not null,
    letter text not null,
    title text not null,
    focus text not null check (json_valid(focus)),
    datasets text not null check (json_valid(datasets)),
    tools text not null check (json_valid(tools)),
    primary key (phase_id, position)
) without rowid;

-- A certification's own facts, shared by every roadmap that rates it.
create table certifications (
    id integer primary key,
    slug text not null unique,
    name text not null,
    renewal text,
    cost_amount_usd integer,
    cost_text text not null,
    study_months_min integer,
    study_months_max integer,
    check ((study_months_min is null) = (study_months_max is null)),
    check (study_months_min <= study_months_max)
);

create index certifications_cost on certifications (cost_amount_usd);

-- A roadmap's rating of a certification: the tier, the note and the share of postings
-- belong to the link, since another roadmap may rate the same certificate differently.
create table roadmap_certifications (
    roadmap_id integer not null references roadmaps (id) on delete cascade,
    certification_id integer not null references certifications (id),
    position integer not null,
    key text not null,
    tier text not null check (tier in ('high_signal', 'helpful', 'skip')),
    timeline_text text,
    share_min integer,
    share_max integer,
    note text not null,
    check ((share_min is null) = (share_max is null)),
    check (share_min <= share_max),
    primary key (roadmap_id, position),
    unique (roadmap_id, key),
    unique (roadmap_id, certification_id)
) without rowid;

-- `tier=` within a roadmap is served by the primary key scan of one roadmap; across
-- roadmaps by this index.
create index roadmap_certifications_tier on roadmap_certifications (tier, certification_id);
create index roadmap_certifications_certification on roadmap_certifications (certification_id);

create table projects (
    id integer primary key,
    roadmap_id integer not null references roadmaps (id) on delete cascade,
    number integer not null check (number >= 1),
    key text not null,
    title text not null,
    hours_min integer not null,
    hours_max integer not null check (hours_min <= hours_max),
    description text not null,
    dataset_text text,
    clinical_advantage text not null,
    unique (roadmap_id, number),
    unique (roadmap_id, key)
);

create index projects_hours on projects (hours_max);

-- Stack and dataset names are matched case-insensitively (`pytorch` finds PyTorch), hence
-- the nocase indexes.
create table project_stack (
    project_id integer not null references projects (id) on delete cascade,
    position integer not null,
    name text not null,
    primary key (project_id, position)
) without rowid;

create index project_stack_name on project_stack (name collate nocase, project_id);

create table project_datasets (
    project_id integer not null references projects (id) on delete cascade,
    position integer not null,
    name text not null,
    primary key (project_id, position)
) without rowid;

create index project_datasets_name on project_datasets (name collate nocase, project_id);

create table transition_stories (
    roadmap_id integer not null references roadmaps (id) on delete cascade,
    position integer not null,
    key text not null,
    title text not null,
    summary text not null,
    url text,
    primary key (roadmap_id, position),
    unique (roadmap_id, key)
) without rowid;

create table first_moves (
    roadmap_id integer not null references roadmaps (id) on delete cascade,
    number integer not null check (number >= 1),
    key text not null,
    title text not null,
    hours_min integer not null,
    hours_max integer not null check (hours_min <= hours_max),
    per text,
    time_text text not null,
    summary text not null,
    steps text not null check (json_valid(steps)),
    primary key (roadmap_id, number),
    unique (roadmap_id, key)
) without rowid;

-- A source's own facts, shared by every roadmap that cites it.
create table sources (
    id integer primary key,
    slug text not null unique,
    title text not null,
    kind text not null check (kind in ('statistic', 'publication', 'course', 'dataset', 'tool')),
    url text
);

create table roadmap_sources (
    id integer primary key,
    roadmap_id integer not null references roadmaps (id) on delete cascade,
    source_id integer not null references sources (id),
    position integer not null,
    key text not null,
    unique (roadmap_id, position),
    unique (roadmap_id, key),
    unique (roadmap_id, source_id)
);

create index roadmap_sources_source on roadmap_sources (source_id);

-- Where in the roadmap document a source is cited, as a JSON Pointer.
create table source_citations (
    roadmap_source_id integer not null references roadmap_sources (id) on delete cascade,
    position integer not null,
    pointer text not null,
    primary key (roadmap_source_id, position)
) without rowid;

-- Facts about the database itself, such as whether the bundled content was loaded into it.
-- Seeding writes its marker in the same transaction as the content, so a first start that
-- fails half-way is retried in full on the next start.
create table meta (
    name text primary key,
    value text not null
) without rowid;
