//! The SQL: every query the service runs, over one SQLite pool.
//!
//! Queries are `sqlx::query!` macros, checked against the schema at compile time (offline data
//! in `.sqlx/`), except the list statements whose plans a test checks, and the multi-row
//! inserts of `rows`, which name each column once beside its value. Reads that span several
//! tables run in one transaction so they see one snapshot; writes run in `BEGIN IMMEDIATE`
//! transactions, all or nothing.
//!
//! The modules depend on each other one way only: `columns` (stored values) and `rows`
//! (inserts) on nothing but this one; `search` on those; `read` on `search`; `collection` and
//! `write` on `read` and `search`; `revisions` on `write`, whose kinds of change it reports;
//! `stories` on `write`, through which an approved story reaches its roadmap.

mod collection;
mod columns;
#[cfg(test)]
mod query_plans;
mod read;
mod revisions;
mod rows;
mod search;
mod stories;
mod write;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};
use sqlx::{ConnectOptions, Connection};

pub use collection::{CertificationFilter, ProjectFilter, SourceFilter};
pub use read::{CatalogueFilter, CatalogueSort, RoadmapSummary, SortValue};
pub use revisions::{ChangeEntry, RevisionInfo};
pub use search::{HitKind, SearchHit, SearchPage, SearchQuery};
pub use stories::{Refusal, StoryEvent, StoryRecord};
pub use write::{Change, ChangeKind, Precondition};

/// Failures of the storage layer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error")]
    Database(#[from] sqlx::Error),
    #[error("database migration failed")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("the database needs migrating ({0}), which a read-only database cannot do")]
    NeedsMigration(String),
    /// A write that would contradict stored content, such as changing a certification that
    /// another roadmap rates.
    #[error("{0}")]
    Conflict(String),
    /// The stored roadmap is not in the state the write's `If-Match`/`If-None-Match` requires.
    #[error("the roadmap does not match the precondition")]
    PreconditionFailed,
    /// The content changed since the search cursor was issued.
    #[error("the content changed since this search began; search again without `cursor`")]
    StaleSearch,
    /// SQLite refused the full-text query.
    #[error("the search query is not valid: {0}")]
    BadSearch(String),
    /// A moderation patch that would leave the story invalid.
    #[error("the story is not valid; see `errors`")]
    Invalid(crate::domain::Violations),
    /// A row that this service would never have written (edited by hand, or corrupted).
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
}

impl StoreError {
    /// The file is not a SQLite database, or its pages are damaged.
    pub fn is_not_a_database(&self) -> bool {
        const SQLITE_CORRUPT: &str = "11";
        const SQLITE_NOTADB: &str = "26";
        match self {
            StoreError::Database(sqlx::Error::Database(e)) => {
                matches!(e.code().as_deref(), Some(SQLITE_CORRUPT | SQLITE_NOTADB))
            }
            _ => false,
        }
    }
}

/// The database: a pool of connections to one SQLite file.
#[derive(Clone, Debug)]
pub struct Store {
    pool: SqlitePool,
    /// One connection of its own for `PRAGMA data_version`, which reports commits made by
    /// any other connection.
    watcher: SqlitePool,
    read_only: bool,
    /// Content writes this process has committed, for caches: see [`Store::writes`].
    writes: Arc<AtomicU64>,
}

impl Store {
    /// Opens (creating it if missing) the database file with foreign keys and WAL on.
    pub async fn open(path: &Path) -> Result<Store, StoreError> {
        create_private(path)?;
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .foreign_keys(true)
            .journal_mode(SqliteJournalMode::Wal)
            // Concurrent writers queue on this instead of failing with SQLITE_BUSY.
            .busy_timeout(Duration::from_secs(5));
        Store::with_options(options, false).await
    }

    /// Opens an existing database read-only, as a replica baked into an image does. Where
    /// SQLite cannot keep its shared-memory file beside the database (a read-only
    /// filesystem), the file is opened as immutable: nothing can change it there anyway.
    pub async fn open_read_only(path: &Path) -> Result<Store, StoreError> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .read_only(true)
            .foreign_keys(true);
        match Store::with_options(options.clone(), true).await {
            Ok(store) => Ok(store),
            Err(_) => {
                tracing::info!(database = %path.display(), "cannot share the database's lock files here; opening it as immutable");
                Store::with_options(options.immutable(true), true).await
            }
        }
    }

    async fn with_options(
        options: SqliteConnectOptions,
        read_only: bool,
    ) -> Result<Store, StoreError> {
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options.clone())
            .await?;
        // Reading the schema fails here, not in a request, when the file cannot be read.
        sqlx::query("select count(*) from sqlite_master")
            .execute(&pool)
            .await?;
        let watcher = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await?;
        Ok(Store {
            pool,
            watcher,
            read_only,
            writes: Arc::default(),
        })
    }

    /// True when the database has been migrated before (it holds sqlx's bookkeeping table).
    pub async fn has_migrations_table(&self) -> Result<bool, StoreError> {
        let found = sqlx::query_scalar!(
            "select count(*) from sqlite_master where type = 'table' and name = '_sqlx_migrations'"
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(found > 0)
    }

    /// Fails unless every migration of this build has been applied: a read-only database
    /// cannot be migrated, and an older schema would fail deep inside a request.
    pub async fn ensure_migrated(&self) -> Result<(), StoreError> {
        let migrator = sqlx::migrate!("./migrations");
        let applied: Vec<i64> = if self.has_migrations_table().await? {
            sqlx::query_scalar("select version from _sqlx_migrations where success = 1")
                .fetch_all(&self.pool)
                .await?
        } else {
            Vec::new()
        };
        let pending: Vec<String> = migrator
            .iter()
            .filter(|m| !applied.contains(&m.version))
            .map(|m| format!("{} {}", m.version, m.description))
            .collect();
        if pending.is_empty() {
            Ok(())
        } else {
            Err(StoreError::NeedsMigration(pending.join(", ")))
        }
    }

    /// Applies the migrations in `migrations/` that this database does not have yet.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        sqlx::migrate!("./migrations").run(&self.pool).await?;
        self.backfill_revisions().await
    }

    /// True when the database answers and holds content: what `/readyz` reports.
    pub async fn is_ready(&self) -> bool {
        sqlx::query_scalar!("select exists (select 1 from roadmaps) as ready")
            .fetch_one(&self.pool)
            .await
            .is_ok_and(|ready| ready == 1)
    }

    /// How many content writes this process has committed: a cache that saw this number
    /// unchanged has seen every write of this process.
    pub fn writes(&self) -> u64 {
        self.writes.load(Ordering::Acquire)
    }

    fn wrote(&self) {
        self.writes.fetch_add(1, Ordering::Release);
    }

    /// Opened read-only: every write is refused.
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// The request pool's connections: how many are open, and how many of those are idle.
    pub fn pool_usage(&self) -> (u32, usize) {
        (self.pool.size(), self.pool.num_idle())
    }

    /// Moves the write-ahead log into the database file and empties it: after a large import,
    /// so that readers do not search a log of hundreds of megabytes.
    pub async fn checkpoint(&self) -> Result<(), StoreError> {
        sqlx::query("pragma wal_checkpoint(TRUNCATE)")
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Writes a consistent copy of this database to the new file `out`, for read-only
    /// replicas: the same rows, revision history and dates (so the same bytes and ETags on
    /// every server), in one file with no write-ahead log, without what only the primary's
    /// editors may see: the admin tokens' hashes and the story moderation queue (with the
    /// submitters' contact addresses). Safe while a server writes this database: the copy
    /// is one read transaction.
    pub async fn bake(&self, out: &Path) -> Result<(), StoreError> {
        let target = out.to_str().ok_or_else(|| {
            StoreError::Database(sqlx::Error::Configuration(
                format!("{} is not a UTF-8 path", out.display()).into(),
            ))
        })?;
        sqlx::query("vacuum into ?")
            .bind(target)
            .execute(&self.pool)
            .await?;
        // A replica's image is public: the token hashes and the submissions stay on the
        // primary (published stories are in the roadmaps). Secure delete and a second vacuum
        // leave no trace of them in free pages.
        let mut copy = SqliteConnectOptions::new()
            .filename(out)
            .journal_mode(SqliteJournalMode::Delete)
            .pragma("secure_delete", "on")
            .connect()
            .await?;
        sqlx::query!("delete from tokens")
            .execute(&mut copy)
            .await?;
        sqlx::query!("delete from story_events")
            .execute(&mut copy)
            .await?;
        sqlx::query!("delete from story_submissions")
            .execute(&mut copy)
            .await?;
        sqlx::query("vacuum").execute(&mut copy).await?;
        copy.close().await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
        self.watcher.close().await;
    }

    /// A number that changes whenever any other connection, in this process or another,
    /// commits a change to the database: the version of the content for caches.
    pub async fn data_version(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar("pragma data_version")
            .fetch_one(&self.watcher)
            .await?)
    }
}

/// Creates the database file, if it is missing, readable by its owner alone: it holds the
/// token hashes. SQLite gives its `-wal` and `-shm` files the database file's permissions.
fn create_private(path: &Path) -> Result<(), StoreError> {
    use std::os::unix::fs::OpenOptionsExt;
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(StoreError::Database(sqlx::Error::Io(e))),
    }
}
