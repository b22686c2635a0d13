//! The durable outbox: every submission as entered, its revisions, one
//! delivery row per revision and destination, and an audit trail.
//!
//! The database runs in WAL mode with `synchronous=FULL`, so a transaction
//! that has committed is on disk before the call returns. Writers take a
//! `&Transaction`, readers a `&Connection`. A database that cannot be opened
//! or fails its check is moved aside and reported until acknowledged, never
//! deleted; each submit is checkpointed into the main file; an unwritable
//! database is opened read-only (docs/adr/0001-damaged-database-moved-aside.md).

use crate::error::Error;
use crate::model::canonical::sha256_hex;
use crate::model::i18n::Message;
use crate::model::key::OutboxKey;
use crate::store::migrations;
use crate::store::time::Time;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The destinations and delivery states are part of the model.
pub use crate::model::delivery::{DeliveryState, Destination};

/// What happened when the database was opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenNotice {
    /// Where a damaged database was moved (kept for recovery).
    pub moved_aside: PathBuf,
    /// What was wrong with it.
    pub reason: String,
}

/// Sets the connection's durability and integrity settings.
pub fn configure(conn: &Connection) -> Result<(), Error> {
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    let mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") && !mode.eq_ignore_ascii_case("memory") {
        return Err(Error::Invariant(format!(
            "could not switch the database to WAL (mode is {mode})"
        )));
    }
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // Sorts and temporary tables that spill stay in memory: Android has no
    // temporary folder the bundled SQLite can use (SQLITE_IOERR_GETTEMPPATH).
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    // The bundled SQLite is built with STAT4, which re-prepares a statement
    // whenever a value bound against an indexed column changes (so that the
    // plan may follow the value): a SQL parse on nearly every query, ~15% of
    // a submit in profiles. The outbox keeps no statistics, so plans never
    // depend on values; the query-planner stability guarantee turns the
    // re-preparing off.
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
        true,
    )?;
    Ok(())
}

/// Runs `f` in one transaction whose commit does not wait for the disk
/// (`synchronous=NORMAL` for this commit only; the connection is FULL again
/// afterwards, error or not).
///
/// Only for writes whose loss in a power cut the next sync pass repairs by
/// itself: the answer to a request (the request was durably marked "may have
/// been sent" before it left, so a lost answer means a look-up in the LMIS or
/// an idempotent resend to DHIS2) and the exchange log. A process that is
/// killed loses nothing: the commit is in the WAL, only the fsync is skipped.
/// WAL order holds: the next durable commit makes this one durable too.
pub fn commit_relaxed<T>(
    conn: &mut Connection,
    f: impl FnOnce(&Transaction<'_>) -> Result<T, Error>,
) -> Result<T, Error> {
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    let result = (|| -> Result<T, Error> {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let v = f(&tx)?;
        tx.commit()?;
        Ok(v)
    })();
    let restored = conn.pragma_update(None, "synchronous", "FULL");
    let v = result?;
    restored?;
    Ok(v)
}

fn is_damage(e: &Error) -> Option<String> {
    match e {
        Error::Sqlite(se) => match se.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase) => {
                Some(se.to_string())
            }
            _ => None,
        },
        _ => None,
    }
}

/// The raw key literal of `PRAGMA key` and `ATTACH … KEY`: `"x'<64 hex>'"`,
/// which skips SQLCipher's passphrase derivation.
fn key_literal(key: &OutboxKey) -> String {
    format!("\"x'{}'\"", key.hex())
}

/// An error of a statement that holds the key, without the statement's
/// text: rusqlite puts the SQL, and SQLite's message the token near the
/// fault, in the error of a statement it cannot parse.
fn without_sql(e: rusqlite::Error) -> Error {
    match e {
        rusqlite::Error::SqlInputError { error, .. } => Error::Sqlite(
            rusqlite::Error::SqliteFailure(error, Some("the key statement was refused".into())),
        ),
        other => Error::Sqlite(other),
    }
}

/// Gives an open connection its key (before anything else reads the file).
/// Without a key the database is plain SQLite. SQLCipher's own log lines
/// (`hmac check failed` on a wrong key) are silenced: the agent says it.
fn apply_key(conn: &Connection, key: Option<&OutboxKey>) -> Result<(), Error> {
    let Some(key) = key else {
        return Ok(());
    };
    conn.execute_batch(&format!(
        "PRAGMA cipher_log_level = NONE; PRAGMA key = {};",
        key_literal(key)
    ))
    .map_err(without_sql)?;
    // A build without SQLCipher ignores PRAGMA key and writes in clear.
    let version: Option<String> = conn
        .query_row("PRAGMA cipher_version", [], |r| r.get(0))
        .optional()?;
    if version.is_none_or(|v| v.is_empty()) {
        return Err(Error::Invariant(
            "this build of the agent has no SQLCipher, so it cannot encrypt the outbox".into(),
        ));
    }
    Ok(())
}

/// Opens another connection to an outbox opened before with [`open_keyed`]
/// (a sync pass): keyed, configured.
pub fn connect(path: &Path, key: Option<&OutboxKey>) -> Result<Connection, Error> {
    let conn = Connection::open(path)?;
    apply_key(&conn, key)?;
    configure(&conn)?;
    Ok(conn)
}

/// What the first bytes of an outbox file say it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FileKind {
    /// No file, or an empty one.
    Missing,
    /// A plain SQLite database (`SQLite format 3\0`).
    Plain,
    /// Whole 4 KB pages of bytes that are not text and not a SQLite header:
    /// an encrypted outbox (SQLCipher's pages start with a random salt).
    LooksEncrypted,
    /// Anything else (damaged, not a database).
    Other,
}

const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";

fn file_kind(path: &Path) -> FileKind {
    use std::io::Read;
    let Ok(mut f) = std::fs::File::open(path) else {
        return FileKind::Missing;
    };
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    let mut head = [0u8; 16];
    if len == 0 || f.read_exact(&mut head).is_err() {
        return if len == 0 {
            FileKind::Missing
        } else {
            FileKind::Other
        };
    }
    if &head == SQLITE_HEADER {
        FileKind::Plain
    } else if len % 4096 == 0
        && head
            .iter()
            .any(|b| !(b.is_ascii_graphic() || b.is_ascii_whitespace()))
    {
        FileKind::LooksEncrypted
    } else {
        FileKind::Other
    }
}

/// The error for an outbox the key does not open (or that needs a key):
/// nothing is moved or changed.
fn key_refused(path: &Path, key_given: bool) -> Error {
    Error::OutboxKey(if key_given {
        format!(
            "the key does not open this outbox ({}): it was encrypted with another key. Nothing was changed or moved. Give the key this outbox was made with (the key file named in [storage] key_file, or the app's stored key). If that key is lost, the outbox cannot be read: recover its unsent forms from the last escrow export (cli-sim import) into a new outbox",
            path.display()
        )
    } else {
        format!(
            "the outbox {} is encrypted and no key was given. Nothing was changed or moved. Configure its key ([storage] key_file in agent.toml, or the app's stored key)",
            path.display()
        )
    })
}

fn sibling(path: &Path, suffix: &str) -> PathBuf {
    PathBuf::from(format!("{}{suffix}", path.display()))
}

/// Encrypts a plain outbox in place: exports it (`sqlcipher_export`) into
/// `<name>.encrypting`, checks that every table has the same number of
/// rows, fsyncs it and renames it over the plain file (then fsyncs the
/// folder). A process killed before the rename leaves the plain outbox
/// untouched (the half-written copy is removed at the next open); after it,
/// the encrypted one is complete.
fn encrypt_in_place(path: &Path, key: &OutboxKey) -> Result<(), Error> {
    let tmp = sibling(path, ".encrypting");
    for stale in [tmp.clone(), sibling(&tmp, "-journal")] {
        if stale.exists() {
            std::fs::remove_file(&stale).map_err(|source| Error::Io {
                what: "could not remove the half-written encrypted copy",
                path: stale.clone(),
                source,
            })?;
        }
    }
    let before = {
        let plain = Connection::open(path)?;
        configure(&plain)?;
        quick_check(&plain)?;
        let before = row_counts(&plain)?;
        let version = migrations::version(&plain)?;
        create_owner_only(&tmp)?;
        plain
            .execute(
                &format!("ATTACH DATABASE ?1 AS encrypted KEY {}", key_literal(key)),
                [tmp.to_string_lossy()],
            )
            .map_err(without_sql)?;
        let exported = (|| -> Result<(), Error> {
            plain.query_row("SELECT sqlcipher_export('encrypted')", [], |_| Ok(()))?;
            plain.execute_batch(&format!("PRAGMA encrypted.user_version = {version};"))?;
            Ok(())
        })();
        plain.execute_batch("DETACH DATABASE encrypted")?;
        exported?;
        plain.close().map_err(|(_, e)| Error::Sqlite(e))?;
        before
    };
    let sync_file = |p: &Path, what: &'static str| {
        std::fs::File::open(p)
            .and_then(|f| f.sync_all())
            .map_err(|source| Error::Io {
                what,
                path: p.to_path_buf(),
                source,
            })
    };
    sync_file(
        &tmp,
        "could not write the encrypted copy of the outbox to disk",
    )?;
    {
        let check = connect(&tmp, Some(key))?;
        let after = row_counts(&check)?;
        if after != before {
            return Err(Error::Invariant(format!(
                "the encrypted copy of the outbox does not hold the same rows ({after:?} instead of {before:?}); the plain outbox was kept"
            )));
        }
        check.close().map_err(|(_, e)| Error::Sqlite(e))?;
    }
    // The plain database was closed cleanly, so its WAL was checkpointed
    // and removed; one that is still there would hold changes.
    let wal = sibling(path, "-wal");
    if std::fs::metadata(&wal)
        .map(|m| m.len() > 0)
        .unwrap_or(false)
    {
        return Err(Error::Invariant(format!(
            "{} still holds changes (another process has the outbox open?); the plain outbox was kept",
            wal.display()
        )));
    }
    for leftover in [
        wal,
        sibling(path, "-shm"),
        sibling(&tmp, "-wal"),
        sibling(&tmp, "-shm"),
    ] {
        let _ = std::fs::remove_file(leftover);
    }
    std::fs::rename(&tmp, path).map_err(|source| Error::Io {
        what: "could not put the encrypted outbox in place of the plain one",
        path: path.to_path_buf(),
        source,
    })?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        // Best effort: not every platform can open a folder to fsync it.
        let _ = std::fs::File::open(dir).and_then(|f| f.sync_all());
    }
    tracing::info!(path = %path.display(), "plain outbox encrypted in place");
    Ok(())
}

/// The number of rows of every table (the copy's check).
fn row_counts(conn: &Connection) -> Result<Vec<(String, i64)>, Error> {
    let names: Vec<String> = conn
        .prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    names
        .into_iter()
        .map(|t| {
            let n: i64 = conn.query_row(
                &format!("SELECT COUNT(*) FROM \"{}\"", t.replace('"', "\"\"")),
                [],
                |r| r.get(0),
            )?;
            Ok((t, n))
        })
        .collect()
}

fn try_open(path: &Path, key: Option<&OutboxKey>) -> Result<Connection, Error> {
    create_owner_only(path)?;
    let mut conn = Connection::open(path)?;
    apply_key(&conn, key)?;
    configure(&conn)?;
    migrations::migrate(&mut conn)?;
    quick_check(&conn)?;
    Ok(conn)
}

fn quick_check(conn: &Connection) -> Result<(), Error> {
    let check: String = conn.query_row("PRAGMA quick_check", [], |r| r.get(0))?;
    if check != "ok" {
        return Err(Error::Sqlite(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CORRUPT),
            Some(format!("integrity check failed: {check}")),
        )));
    }
    Ok(())
}

/// Creates the outbox's folder (owner only, 0700) and an empty database file
/// (owner only, 0600) when they do not exist yet. SQLite gives the `-wal`
/// and `-shm` files the database file's permissions.
fn create_owner_only(path: &Path) -> Result<(), Error> {
    let io = |what: &'static str, p: &Path| {
        let p = p.to_path_buf();
        move |source| Error::Io {
            what,
            path: p,
            source,
        }
    };
    if let Some(dir) = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty() && !d.exists())
    {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder
            .create(dir)
            .map_err(io("could not create the outbox folder", dir))?;
    }
    if !path.exists() {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        match options.open(path) {
            Ok(_) => {}
            // Another process created it in the meantime.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(io("could not create the outbox database", path)(e)),
        }
    }
    Ok(())
}

/// Takes group and other permissions away from the database and its `-wal`
/// and `-shm` files, when an older build or a copy tool gave them. Best effort.
#[cfg(unix)]
fn tighten_permissions(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    for suffix in ["", "-wal", "-shm"] {
        let p = PathBuf::from(format!("{}{suffix}", path.display()));
        if let Ok(meta) = std::fs::metadata(&p) {
            let mode = meta.permissions().mode();
            if mode & 0o077 != 0 {
                let _ = std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode & 0o700));
            }
        }
    }
}

#[cfg(not(unix))]
fn tighten_permissions(_path: &Path) {}

/// Whether an open failed because the database or its folder cannot be
/// written (read-only file system, permissions): then it may still be read.
fn is_unwritable(e: &Error) -> bool {
    match e {
        Error::Sqlite(se) => matches!(
            se.sqlite_error_code(),
            Some(
                rusqlite::ErrorCode::ReadOnly
                    | rusqlite::ErrorCode::CannotOpen
                    | rusqlite::ErrorCode::PermissionDenied
            )
        ),
        Error::Io { source, .. } => matches!(
            source.kind(),
            std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem
        ),
        _ => false,
    }
}

/// A `file:` URI for `path`, every byte outside `[A-Za-z0-9/._~-]` escaped.
fn file_uri(path: &Path, query: &str) -> String {
    #[cfg(unix)]
    let bytes = std::os::unix::ffi::OsStrExt::as_bytes(path.as_os_str()).to_vec();
    #[cfg(not(unix))]
    let bytes = path.to_string_lossy().replace('\\', "/").into_bytes();
    let mut uri = String::from("file:");
    for b in bytes {
        if b.is_ascii_alphanumeric() || b"/._~-".contains(&b) {
            uri.push(char::from(b));
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    uri.push('?');
    uri.push_str(query);
    uri
}

/// Opens the outbox for reading only, for when it cannot be written: `status`
/// still lists the queue. A WAL database needs its `-shm` file to be read;
/// on a read-only file system without one, and with no `-wal` file holding
/// changes, the main file alone holds everything and is opened immutable.
fn open_read_only(path: &Path, key: Option<&OutboxKey>) -> Result<Connection, Error> {
    use rusqlite::OpenFlags;
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
        | OpenFlags::SQLITE_OPEN_URI
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let probe = |conn: Connection| -> Result<Connection, Error> {
        apply_key(&conn, key)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        let found = migrations::version(&conn)?;
        if found != migrations::latest_version() {
            if found > migrations::latest_version() {
                return Err(Error::DatabaseTooNew {
                    found,
                    supported: migrations::latest_version(),
                });
            }
            return Err(Error::Sqlite(rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_READONLY),
                Some(format!(
                    "the outbox {} must be upgraded to this app's version, which needs to write to it",
                    path.display()
                )),
            )));
        }
        conn.set_db_config(
            rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
            true,
        )?;
        if let Err(e) = quick_check(&conn) {
            tracing::warn!(path = %path.display(), error = %e, "damaged outbox on read-only storage");
            return Err(Error::Sqlite(rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_READONLY),
                Some(format!(
                    "the outbox {} is damaged and on storage that cannot be written, so it cannot be moved aside for recovery",
                    path.display()
                )),
            )));
        }
        Ok(conn)
    };
    let first = Connection::open_with_flags(file_uri(path, "mode=ro"), flags)
        .map_err(Error::from)
        .and_then(probe);
    match first {
        Ok(conn) => Ok(conn),
        Err(e) if is_unwritable(&e) => {
            let wal = PathBuf::from(format!("{}-wal", path.display()));
            let wal_has_changes = std::fs::metadata(&wal)
                .map(|m| m.len() > 0)
                .unwrap_or(false);
            if wal_has_changes {
                return Err(Error::Sqlite(rusqlite::Error::SqliteFailure(
                    rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_READONLY),
                    Some(format!(
                        "the latest changes to the outbox are in {} and cannot be read without writing; make the storage writable",
                        wal.display()
                    )),
                )));
            }
            probe(Connection::open_with_flags(
                file_uri(path, "immutable=1"),
                flags,
            )?)
        }
        Err(e) => Err(e),
    }
}

/// Copies the committed changes from the WAL into the main database file
/// (`PRAGMA wal_checkpoint(PASSIVE)`: it waits for no reader and no writer).
/// Called after each submit, so that a confirmed form never lives only in
/// the `-wal` file, which copy tools and clean-up scripts may leave behind.
/// Returns false when a reader still uses older frames; the next checkpoint
/// copies them.
pub fn checkpoint(conn: &Connection) -> Result<bool, Error> {
    let (_busy, log, done): (i64, i64, i64) =
        conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?;
    Ok(done >= log)
}

/// Opens (creating if needed) the outbox at `path`, migrated to the latest
/// schema. A damaged database (not a database, failing its check, or an
/// empty file) is renamed to `<name>.damaged-<time>` (with its WAL and
/// shared-memory files), recorded in `damaged_copies`, and a new one is
/// created; the notice says where it went. A database from a newer build is
/// refused untouched. A database that cannot be written (read-only file
/// system, permissions) is opened read-only when it can be read
/// (`Connection::is_readonly`); writes then fail as `StorageUnavailable`.
/// A new folder and database are made readable by the owner only.
/// (Tests: [`open_keyed`] without a key.)
#[cfg(test)]
pub fn open(path: &Path, now: DateTime<Utc>) -> Result<(Connection, Option<OpenNotice>), Error> {
    open_keyed(path, now, None)
}

/// Opens the outbox as described for `open` (damage moved aside, newer
/// schema refused, read-only storage opened read-only), with the outbox's
/// encryption key (SQLCipher) when it has one.
///
/// With a key: a plain outbox is encrypted in place first (no row lost;
/// see `encrypt_in_place`); an encrypted one the key does not open is
/// refused with [`Error::OutboxKey`] and never moved aside as damaged.
/// Without a key: an outbox that looks encrypted is refused the same way.
/// A new outbox is created encrypted when a key is given.
pub fn open_keyed(
    path: &Path,
    now: DateTime<Utc>,
    key: Option<&OutboxKey>,
) -> Result<(Connection, Option<OpenNotice>), Error> {
    match (file_kind(path), key) {
        (FileKind::LooksEncrypted, None) => return Err(key_refused(path, false)),
        (FileKind::Plain, Some(k)) => encrypt_in_place(path, k)?,
        (FileKind::LooksEncrypted | FileKind::Other, Some(k)) => {
            // The first page decrypts only with the right key: if it does
            // not, say so and touch nothing (a damaged first page looks the
            // same; support can tell with the right key).
            let probe = Connection::open_with_flags(
                path,
                rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY
                    | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )?;
            apply_key(&probe, Some(k))?;
            let opened = probe.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
                r.get::<_, i64>(0)
            });
            if let Err(e) = opened
                && e.sqlite_error_code() == Some(rusqlite::ErrorCode::NotADatabase)
            {
                return Err(key_refused(path, true));
            }
        }
        _ => {}
    }
    let empty = std::fs::metadata(path)
        .map(|m| m.is_file() && m.len() == 0)
        .unwrap_or(false);
    let first = if empty {
        Err(Error::Sqlite(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_NOTADB),
            Some(
                "the database file was empty (0 bytes): the forms it held are not in it; it may have been cut short by a copy or a full disk"
                    .into(),
            ),
        )))
    } else {
        try_open(path, key)
    };
    match first {
        Ok(conn) => {
            tighten_permissions(path);
            // Changes a killed process left in the WAL go to the main file now.
            if let Err(e) = checkpoint(&conn) {
                tracing::warn!(error = %e, "could not checkpoint the outbox at open");
            }
            Ok((conn, None))
        }
        Err(e) if is_unwritable(&e) && path.exists() => match open_read_only(path, key) {
            Ok(conn) => {
                tracing::warn!(path = %path.display(), error = %e, "outbox opened read-only");
                Ok((conn, None))
            }
            Err(ro) => {
                tracing::warn!(path = %path.display(), error = %ro, "outbox cannot be read either");
                Err(match ro {
                    Error::DatabaseTooNew { .. } => ro,
                    Error::Sqlite(ref se)
                        if se.sqlite_error_code() == Some(rusqlite::ErrorCode::ReadOnly) =>
                    {
                        ro
                    }
                    _ => e,
                })
            }
        },
        Err(e) => {
            let Some(reason) = is_damage(&e) else {
                return Err(e);
            };
            let moved = move_aside(path, now)?;
            tracing::warn!(from = %path.display(), to = %moved.display(), %reason, "damaged database moved aside");
            let conn = try_open(path, key)?;
            let file = moved
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            conn.execute(
                "INSERT INTO damaged_copies (file, reason, moved_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (file) DO UPDATE SET reason = excluded.reason, moved_at = excluded.moved_at",
                params![file, reason, Time(now)],
            )?;
            Ok((
                conn,
                Some(OpenNotice {
                    moved_aside: moved,
                    reason,
                }),
            ))
        }
    }
}

fn move_aside(path: &Path, now: DateTime<Utc>) -> Result<PathBuf, Error> {
    let stamp = now.format("%Y%m%dT%H%M%S%.3fZ");
    // Never replace an earlier copy (rename would): the first free name.
    let mut target = PathBuf::from(format!("{}.damaged-{stamp}", path.display()));
    for n in 2..1000 {
        if !target.exists() {
            break;
        }
        target = PathBuf::from(format!("{}.damaged-{stamp}-{n}", path.display()));
    }
    if target.exists() {
        return Err(Error::Io {
            what: "could not find a free name to move the damaged database to, next to",
            path: path.to_path_buf(),
            source: std::io::Error::from(std::io::ErrorKind::AlreadyExists),
        });
    }
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let from = PathBuf::from(format!("{}{suffix}", path.display()));
        if from.exists() {
            let to = PathBuf::from(format!("{}{suffix}", target.display()));
            std::fs::rename(&from, &to).map_err(|source| Error::Io {
                what: "could not move the damaged database",
                path: from.clone(),
                source,
            })?;
        }
    }
    Ok(target)
}

/// A damaged copy of the outbox kept in its folder and not yet acknowledged:
/// it may hold forms that were never sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DamagedCopy {
    /// Where the copy is.
    pub path: PathBuf,
    /// What was wrong with it, when this agent moved it aside.
    pub reason: Option<String>,
    /// When it was moved aside (UTC), when known.
    pub moved_at: Option<DateTime<Utc>>,
    /// What it means and what to do, in plain words.
    pub message: String,
}

const DAMAGED_SUFFIXES: [&str; 3] = ["-wal", "-shm", "-journal"];

/// The damaged copies in the outbox's folder (`<name>.damaged-*`, not their
/// `-wal`, `-shm` or `-journal` files), with what was recorded about them,
/// acknowledged or not, by file name.
fn damaged_in_folder(
    conn: &Connection,
    db_path: &Path,
) -> Result<Vec<(String, DamagedCopy, bool)>, Error> {
    let dir = match db_path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let Some(name) = db_path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
    else {
        return Ok(vec![]);
    };
    let prefix = format!("{name}.damaged-");
    let entries = std::fs::read_dir(&dir).map_err(|source| Error::Io {
        what: "could not list the outbox folder",
        path: dir.clone(),
        source,
    })?;
    let mut files: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .filter(|f| f.starts_with(&prefix) && !DAMAGED_SUFFIXES.iter().any(|s| f.ends_with(s)))
        .collect();
    files.sort();
    let mut out = Vec::new();
    let mut stmt = conn.prepare_cached(
        "SELECT reason, moved_at, acknowledged_at FROM damaged_copies WHERE file = ?1",
    )?;
    for file in files {
        let row: Option<(Option<String>, Option<Time>, Option<String>)> = stmt
            .query_row([&file], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?;
        let (reason, moved_at, acknowledged) = row.unwrap_or((None, None, None));
        let moved_at = match moved_at {
            Some(t) => Some(t.0),
            None => chrono::NaiveDateTime::parse_from_str(
                file[prefix.len()..].get(..19).unwrap_or(""),
                "%Y%m%dT%H%M%S%.3f",
            )
            .ok()
            .map(|t| t.and_utc()),
        };
        let path = dir.join(&file);
        let message = format!(
            "A damaged copy of the outbox was kept at {}{}. It may hold forms that were never sent: they are not in the outbox now and will not be sent until support recovers them (sqlite3 {} .recover). Once it is recovered or known to be empty, acknowledge this notice.",
            path.display(),
            reason
                .as_deref()
                .map(|r| format!(" ({r})"))
                .unwrap_or_default(),
            path.display()
        );
        out.push((
            file,
            DamagedCopy {
                path,
                reason,
                moved_at,
                message,
            },
            acknowledged.is_some(),
        ));
    }
    Ok(out)
}

/// The damaged copies of the outbox at `db_path` that nobody has
/// acknowledged yet, oldest first. Every command should show them.
pub fn damaged_copies(conn: &Connection, db_path: &Path) -> Result<Vec<DamagedCopy>, Error> {
    Ok(damaged_in_folder(conn, db_path)?
        .into_iter()
        .filter(|(_, _, acknowledged)| !acknowledged)
        .map(|(_, copy, _)| copy)
        .collect())
}

/// Records that the user has seen the damaged copies (they stay on disk);
/// returns the ones acknowledged now.
pub fn acknowledge_damaged(
    tx: &Transaction,
    db_path: &Path,
    now: DateTime<Utc>,
) -> Result<Vec<DamagedCopy>, Error> {
    let mut out = Vec::new();
    for (file, copy, acknowledged) in damaged_in_folder(tx, db_path)? {
        if acknowledged {
            continue;
        }
        tx.execute(
            "INSERT INTO damaged_copies (file, reason, moved_at, acknowledged_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (file) DO UPDATE SET acknowledged_at = excluded.acknowledged_at",
            params![file, copy.reason, copy.moved_at.map(Time), Time(now)],
        )?;
        out.push(copy);
    }
    Ok(out)
}

/// A derived, stable UUID (version 8) for `parts`; used as idempotency keys.
pub fn derived_uuid(parts: &[&str]) -> String {
    let digest = sha256_hex(parts.join("\u{1f}").as_bytes());
    let mut bytes = [0u8; 16];
    for (i, b) in bytes.iter_mut().enumerate() {
        *b = u8::from_str_radix(&digest[i * 2..i * 2 + 2], 16).unwrap_or(0);
    }
    uuid::Builder::from_custom_bytes(bytes)
        .into_uuid()
        .to_string()
}

/// The idempotency key of a delivery, fixed when it is enqueued.
pub fn idempotency_key(submission_id: &str, revision: u32, destination: Destination) -> String {
    derived_uuid(&[
        "delivery",
        submission_id,
        &revision.to_string(),
        destination.as_str(),
    ])
}

/// A revision to record, already validated and normalised.
#[derive(Debug, Clone)]
pub struct NewRevision<'a> {
    /// Form id.
    pub form_id: &'a str,
    /// Form definition version.
    pub form_version: u32,
    /// Local facility code.
    pub facility: &'a str,
    /// DHIS2 period id.
    pub period: &'a str,
    /// First day of the period.
    pub period_start: chrono::NaiveDate,
    /// Last day of the period.
    pub period_end: chrono::NaiveDate,
    /// Canonical JSON of the draft.
    pub content: &'a str,
    /// Its sha256.
    pub content_hash: &'a str,
    /// Warnings the user confirmed, as JSON.
    pub warnings_json: &'a str,
    /// The destinations this form has parts for.
    pub destinations: &'a [Destination],
    /// A fresh UUIDv7 to use if this is a new submission.
    pub new_id: &'a str,
    /// Now.
    pub now: DateTime<Utc>,
}

/// What recording did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    /// The submission id (stable across revisions).
    pub id: String,
    /// The revision number now latest.
    pub revision: u32,
    /// True when the content equalled the latest revision: nothing was written.
    pub duplicate: bool,
}

/// Writes an audit row.
pub fn audit(
    tx: &Transaction,
    at: DateTime<Utc>,
    submission_id: &str,
    revision: Option<u32>,
    destination: Option<Destination>,
    event: &str,
    states: (Option<DeliveryState>, Option<DeliveryState>),
    detail: Option<&str>,
) -> Result<(), Error> {
    tx.prepare_cached(
        "INSERT INTO audit (at, submission_id, revision, destination, event, from_state, to_state, detail)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        Time(at),
        submission_id,
        revision,
        destination.map(Destination::as_str),
        event,
        states.0.map(DeliveryState::as_str),
        states.1.map(DeliveryState::as_str),
        detail
    ])?;
    Ok(())
}

/// Records a revision: a new submission, a correction (a new revision of the
/// same form, facility and period), or nothing when the content equals the
/// latest revision (a double tap). Enqueues one delivery per destination and
/// supersedes older deliveries that were still waiting to be sent.
pub fn record(tx: &Transaction, r: &NewRevision<'_>) -> Result<Recorded, Error> {
    let existing: Option<(String, u32, String)> = tx
        .prepare_cached(
            "SELECT s.id, s.latest_revision, v.content_hash FROM submissions s
             JOIN revisions v ON v.submission_id = s.id AND v.revision = s.latest_revision
             WHERE s.facility = ?2 AND s.period = ?3 AND s.form_id = ?1",
        )?
        .query_row(params![r.form_id, r.facility, r.period], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?))
        })
        .optional()?;
    let (id, revision) = match existing {
        Some((id, latest, hash)) if hash == r.content_hash => {
            return Ok(Recorded {
                id,
                revision: latest,
                duplicate: true,
            });
        }
        Some((id, latest, _)) => {
            let revision = latest + 1;
            tx.prepare_cached("UPDATE submissions SET latest_revision = ?2 WHERE id = ?1")?
                .execute(params![id, revision])?;
            (id, revision)
        }
        None => {
            tx.prepare_cached(
                "INSERT INTO submissions (id, form_id, facility, period, period_start, period_end, created_at, latest_revision)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 1)",
            )?
            .execute(params![
                r.new_id,
                r.form_id,
                r.facility,
                r.period,
                r.period_start.to_string(),
                r.period_end.to_string(),
                Time(r.now)
            ])?;
            (r.new_id.to_string(), 1)
        }
    };
    tx.prepare_cached(
        "INSERT INTO revisions (submission_id, revision, form_version, content, content_hash, warnings, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![id, revision, r.form_version, r.content, r.content_hash, r.warnings_json, Time(r.now)])?;
    audit(
        tx,
        r.now,
        &id,
        Some(revision),
        None,
        if revision == 1 {
            "recorded"
        } else {
            "corrected"
        },
        (None, None),
        None,
    )?;
    if revision > 1 {
        let superseded: Vec<(u32, String)> = tx
            .prepare_cached(
                "SELECT revision, destination FROM deliveries
                 WHERE submission_id = ?1 AND revision < ?2 AND state IN ('pending', 'waiting')",
            )?
            .query_map(params![id, revision], |row| Ok((row.get(0)?, row.get(1)?)))?
            .collect::<Result<_, _>>()?;
        for (old_rev, dest) in superseded {
            let dest: Destination = dest.parse()?;
            let old_state: String = tx.query_row(
                "SELECT state FROM deliveries WHERE submission_id = ?1 AND revision = ?2 AND destination = ?3",
                params![id, old_rev, dest.as_str()],
                |row| row.get(0),
            )?;
            tx.prepare_cached(
                "UPDATE deliveries SET state = 'superseded', updated_at = ?4
                 WHERE submission_id = ?1 AND revision = ?2 AND destination = ?3",
            )?
            .execute(params![id, old_rev, dest.as_str(), Time(r.now)])?;
            audit(
                tx,
                r.now,
                &id,
                Some(old_rev),
                Some(dest),
                "superseded",
                (Some(old_state.parse()?), Some(DeliveryState::Superseded)),
                Some(&format!("replaced by revision {revision}")),
            )?;
        }
    }
    for &dest in r.destinations {
        tx.prepare_cached(
            "INSERT INTO deliveries (submission_id, revision, destination, state, idempotency_key, created_at, updated_at)
             VALUES (?1, ?2, ?3, 'pending', ?4, ?5, ?5)",
        )?
        .execute(params![id, revision, dest.as_str(), idempotency_key(&id, revision, dest), Time(r.now)])?;
        audit(
            tx,
            r.now,
            &id,
            Some(revision),
            Some(dest),
            "enqueued",
            (None, Some(DeliveryState::Pending)),
            None,
        )?;
    }
    Ok(Recorded {
        id,
        revision,
        duplicate: false,
    })
}

/// The delivery status of one destination of a submission.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DestinationStatus {
    /// The destination.
    pub destination: Destination,
    /// The state of the latest revision's delivery.
    pub state: DeliveryState,
    /// The revision this state is about.
    pub revision: u32,
    /// The newest revision the destination has accepted, if any.
    pub delivered_revision: Option<u32>,
    /// Attempts made for this revision.
    pub attempts: u32,
    /// When the next attempt is due (absent: as soon as possible).
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// Why the last attempt failed or was refused, in plain words.
    pub last_error: Option<String>,
    /// What `last_error` is about, when it is set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error_kind: Option<crate::model::delivery::LastErrorKind>,
    /// `last_error` as the message stored with it (schema 7); absent for a
    /// row written before: see [`DestinationStatus::last_error_message`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error_msg: Option<Message>,
    /// When this delivery last changed.
    pub updated_at: DateTime<Utc>,
    /// Why the destination refused it, field by field (empty unless rejected).
    pub problems: Vec<crate::model::delivery::FieldProblem>,
    /// Why the whole destination is held (credentials refused, address
    /// wrong, something else answering), when it is and this part is still
    /// to be sent: nothing is tried until that is resolved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub held: Option<String>,
    /// What kind of hold it is, when `held` is set (what to ask the user).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub held_kind: Option<HoldKind>,
    /// `held` as the message stored with it (schema 7); absent for a hold
    /// placed before: see [`DestinationStatus::held_message`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub held_msg: Option<Message>,
}

impl DestinationStatus {
    /// Why the last attempt failed or was refused, as a message to render
    /// in the user's language: the stored message, or for a row written
    /// before schema 7 the one found from its English text
    /// ([`crate::model::delivery::last_error_message`]).
    pub fn last_error_message(&self) -> Option<Message> {
        if let Some(m) = &self.last_error_msg {
            return Some(m.clone());
        }
        self.last_error.as_deref().map(|text| {
            crate::model::delivery::last_error_message(self.state, text, &self.problems)
        })
    }

    /// Why the destination is held, as a message: the stored one, or an
    /// older hold's text as it is.
    pub fn held_message(&self) -> Option<Message> {
        self.held_msg
            .clone()
            .or_else(|| self.held.as_deref().map(crate::model::delivery::plain_text))
    }
}

/// One submission and where each of its parts stands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubmissionStatus {
    /// The submission id.
    pub id: String,
    /// Form id.
    pub form: String,
    /// Local facility code.
    pub facility: String,
    /// DHIS2 period id.
    pub period: String,
    /// The latest revision.
    pub revision: u32,
    /// When it was first recorded.
    pub created_at: DateTime<Utc>,
    /// The state summed up over destinations (rejected > in flight > pending > waiting > delivered).
    pub overall: DeliveryState,
    /// Per destination.
    pub destinations: Vec<DestinationStatus>,
}

/// Sums up per-destination states into one.
pub fn overall_state(states: &[DeliveryState]) -> DeliveryState {
    use DeliveryState::*;
    for s in [Rejected, InFlight, Pending, Waiting] {
        if states.contains(&s) {
            return s;
        }
    }
    if states.iter().all(|s| *s == Superseded) && !states.is_empty() {
        Superseded
    } else {
        Delivered
    }
}

fn load_destinations(
    conn: &Connection,
    id: &str,
    revision: u32,
) -> Result<Vec<DestinationStatus>, Error> {
    let mut stmt = conn.prepare_cached(
        "SELECT d.destination, d.state, d.revision, d.attempts, d.next_attempt_at, d.last_error, d.updated_at,
                d.last_error_msg, (SELECT h.hold_msg FROM destinations h WHERE h.destination = d.destination),
                (SELECT MAX(x.revision) FROM deliveries x
                  WHERE x.submission_id = d.submission_id AND x.destination = d.destination AND x.state = 'delivered'),
                (SELECT h.hold FROM destinations h WHERE h.destination = d.destination),
                (SELECT CASE WHEN json_valid(h.facts) THEN json_extract(h.facts, '$.\"hold.kind\"') END FROM destinations h WHERE h.destination = d.destination)
         FROM deliveries d WHERE d.submission_id = ?1 AND d.revision = ?2 ORDER BY d.destination",
    )?;
    let rows = stmt.query_map(params![id, revision], |row| {
        Ok((
            (
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, u32>(2)?,
                row.get::<_, u32>(3)?,
                row.get::<_, Option<Time>>(4)?,
                row.get::<_, Option<String>>(5)?,
                row.get::<_, Time>(6)?,
            ),
            (
                row.get::<_, Option<String>>(7)?,
                row.get::<_, Option<String>>(8)?,
                row.get::<_, Option<u32>>(9)?,
                row.get::<_, Option<String>>(10)?,
                row.get::<_, Option<String>>(11)?,
            ),
        ))
    })?;
    let mut out = Vec::new();
    for r in rows {
        let (
            (dest, state, revision, attempts, next, last_error, updated),
            (error_msg, hold_msg, delivered, hold, kind),
        ) = r?;
        let destination: Destination = dest.parse()?;
        let state: DeliveryState = state.parse()?;
        let open = matches!(
            state,
            DeliveryState::Pending | DeliveryState::InFlight | DeliveryState::Waiting
        );
        let held = hold.filter(|_| open);
        out.push(DestinationStatus {
            problems: problems_of(conn, id, revision, destination)?,
            destination,
            state,
            revision,
            delivered_revision: delivered,
            attempts,
            // A held destination has no next attempt: it waits for a person.
            next_attempt_at: if held.is_some() {
                None
            } else {
                next.map(|t| t.0)
            },
            held_kind: held
                .as_ref()
                .map(|_| HoldKind::from_stored(kind.as_deref())),
            held_msg: held.as_ref().and(Message::from_stored(hold_msg.as_deref())),
            held,
            last_error_msg: last_error
                .as_ref()
                .and(Message::from_stored(error_msg.as_deref())),
            last_error_kind: last_error
                .as_ref()
                .and_then(|_| crate::model::delivery::LastErrorKind::of(state)),
            last_error,
            updated_at: updated.0,
        });
    }
    Ok(out)
}

fn status_from_row(
    conn: &Connection,
    row: (String, String, String, String, u32, Time),
) -> Result<SubmissionStatus, Error> {
    let (id, form, facility, period, revision, created) = row;
    let destinations = load_destinations(conn, &id, revision)?;
    let overall = overall_state(&destinations.iter().map(|d| d.state).collect::<Vec<_>>());
    Ok(SubmissionStatus {
        id,
        form,
        facility,
        period,
        revision,
        created_at: created.0,
        overall,
        destinations,
    })
}

const SUBMISSION_COLUMNS: &str =
    "s.id, s.form_id, s.facility, s.period, s.latest_revision, s.created_at";

fn submission_row(
    row: &rusqlite::Row<'_>,
) -> rusqlite::Result<(String, String, String, String, u32, Time)> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
        row.get(5)?,
    ))
}

/// One submission with its per-destination status.
pub fn submission_status(conn: &Connection, id: &str) -> Result<Option<SubmissionStatus>, Error> {
    let row = conn
        .prepare_cached(&format!(
            "SELECT {SUBMISSION_COLUMNS} FROM submissions s WHERE s.id = ?1"
        ))?
        .query_row([id], submission_row)
        .optional()?;
    row.map(|r| status_from_row(conn, r)).transpose()
}

/// Submissions, newest first, optionally only those with a destination in
/// `state` (for their latest revision), at most `limit`.
pub fn list(
    conn: &Connection,
    state: Option<DeliveryState>,
    limit: u32,
) -> Result<Vec<SubmissionStatus>, Error> {
    let rows: Vec<_> = match state {
        None => conn
            .prepare_cached(&format!(
                "SELECT {SUBMISSION_COLUMNS} FROM submissions s ORDER BY s.id DESC LIMIT ?1"
            ))?
            .query_map([limit], submission_row)?
            .collect::<Result<_, _>>()?,
        Some(st) => conn
            .prepare_cached(&format!(
                "SELECT {SUBMISSION_COLUMNS} FROM submissions s
                 WHERE EXISTS (SELECT 1 FROM deliveries d WHERE d.submission_id = s.id
                               AND d.revision = s.latest_revision AND d.state = ?1)
                 ORDER BY s.id DESC LIMIT ?2"
            ))?
            .query_map(params![st.as_str(), limit], submission_row)?
            .collect::<Result<_, _>>()?,
    };
    rows.into_iter().map(|r| status_from_row(conn, r)).collect()
}

/// How many deliveries are in one state for one destination.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct StateCount {
    /// The destination.
    pub destination: Destination,
    /// The state.
    pub state: DeliveryState,
    /// How many latest-revision deliveries are in it.
    pub count: u64,
}

/// The outbox at a glance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxHealth {
    /// Number of submissions (form instances).
    pub submissions: u64,
    /// Deliveries of latest revisions, counted per destination and state.
    pub counts: Vec<StateCount>,
    /// When the oldest form with an undelivered part was first recorded.
    pub oldest_undelivered_at: Option<DateTime<Utc>>,
    /// Its age in seconds at the time of the query.
    pub oldest_undelivered_age_secs: Option<i64>,
    /// What syncing has cost, per destination: all time, the last 30 days,
    /// and the last pass.
    pub data_use: Vec<DataUse>,
    /// Damaged copies of the outbox kept next to it and not yet
    /// acknowledged: forms in them are not counted above. Filled by
    /// `Agent::health` (this module's [`health`] leaves it empty: it does not
    /// know the folder).
    #[serde(default)]
    pub damaged_copies: Vec<DamagedCopy>,
}

/// Bytes and requests one destination has cost.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct DataUse {
    /// The destination.
    pub destination: Option<Destination>,
    /// Sync passes that contacted it (all time).
    pub passes: u64,
    /// Requests (all time).
    pub requests: u64,
    /// Bytes sent (request bodies as sent, after compression; all time).
    pub bytes_sent: u64,
    /// Bytes received (answer bodies as they travelled, compressed when
    /// the server compressed them; all time).
    pub bytes_received: u64,
    /// Bytes sent and received in the last 30 days.
    pub bytes_last_30_days: u64,
    /// Bytes sent and received by the last pass that made a request.
    pub bytes_last_pass: u64,
    /// Forms delivered (all time), to give a cost per form.
    pub delivered: u64,
}

/// Per destination, what syncing has cost (from `sync_runs`).
pub fn data_use(conn: &Connection, now: DateTime<Utc>) -> Result<Vec<DataUse>, Error> {
    let since = Time(now - chrono::Duration::days(30));
    let mut out = Vec::new();
    for d in Destination::ALL {
        let (passes, requests, sent, received, delivered, recent): (i64, i64, i64, i64, i64, i64) = conn.query_row(
            "SELECT COUNT(*) FILTER (WHERE requests > 0), COALESCE(SUM(requests), 0), COALESCE(SUM(bytes_sent), 0),
                    COALESCE(SUM(bytes_received), 0), COALESCE(SUM(delivered), 0),
                    COALESCE(SUM(bytes_sent + bytes_received) FILTER (WHERE started_at >= ?2), 0)
             FROM sync_runs WHERE destination = ?1",
            params![d.as_str(), since],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
        )?;
        let last: i64 = conn
            .query_row(
                "SELECT bytes_sent + bytes_received FROM sync_runs WHERE destination = ?1 AND requests > 0
                 ORDER BY id DESC LIMIT 1",
                [d.as_str()],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or(0);
        let u = |v: i64| v.max(0) as u64;
        out.push(DataUse {
            destination: Some(d),
            passes: u(passes),
            requests: u(requests),
            bytes_sent: u(sent),
            bytes_received: u(received),
            bytes_last_30_days: u(recent),
            bytes_last_pass: u(last),
            delivered: u(delivered),
        });
    }
    Ok(out)
}

/// Counts per destination and state, and the age of the oldest undelivered
/// form. Constant in the number of delivered forms: delivered and superseded
/// totals are kept by triggers (schema 4); the other states are read through
/// the queue index; the number of forms is kept by a trigger.
pub fn health(conn: &Connection, now: DateTime<Utc>) -> Result<OutboxHealth, Error> {
    let submissions: u64 = conn
        .prepare_cached("SELECT n FROM outbox_totals WHERE name = 'forms'")?
        .query_row([], |r| r.get::<_, i64>(0))?
        .max(0) as u64;
    let mut counts = Vec::new();
    let mut live = conn.prepare_cached(
        "SELECT d.destination, d.state, COUNT(*) FROM deliveries d
         JOIN submissions s ON s.id = d.submission_id AND s.latest_revision = d.revision
         WHERE d.destination IN ('dhis2', 'lmis') AND d.state IN ('pending', 'in_flight', 'waiting', 'rejected')
         GROUP BY d.destination, d.state",
    )?;
    let rows = live.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, i64>(2)?,
        ))
    })?;
    let mut raw: Vec<(String, String, i64)> = rows.collect::<Result<_, _>>()?;
    let mut totals =
        conn.prepare_cached("SELECT destination, state, n FROM delivery_totals WHERE n > 0")?;
    let rows = totals.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    for r in rows {
        raw.push(r?);
    }
    raw.sort();
    for (d, s, n) in raw {
        counts.push(StateCount {
            destination: d.parse()?,
            state: s.parse()?,
            count: n as u64,
        });
    }
    let oldest: Option<Time> = conn
        .prepare_cached(
            "SELECT MIN(s.created_at) FROM deliveries d
             JOIN submissions s ON s.id = d.submission_id AND s.latest_revision = d.revision
             WHERE d.destination IN ('dhis2', 'lmis') AND d.state IN ('pending', 'in_flight', 'rejected', 'waiting')",
        )?
        .query_row([], |r| r.get(0))?;
    let oldest = oldest.map(|t| t.0);
    Ok(OutboxHealth {
        submissions,
        counts,
        oldest_undelivered_age_secs: oldest.map(|t| (now - t).num_seconds().max(0)),
        oldest_undelivered_at: oldest,
        data_use: data_use(conn, now)?,
        damaged_copies: Vec::new(),
    })
}

/// The canonical content of one revision.
pub fn revision_content(conn: &Connection, id: &str, revision: u32) -> Result<String, Error> {
    Ok(conn
        .prepare_cached("SELECT content FROM revisions WHERE submission_id = ?1 AND revision = ?2")?
        .query_row(params![id, revision], |r| r.get(0))?)
}

/// The latest revision's content of every submission for `facility` in
/// `period` (a DHIS2 period id), any form, oldest first; compacted ones
/// (store::retention) have no content and are left out.
pub fn contents_for(
    conn: &Connection,
    facility: &str,
    period: &str,
) -> Result<Vec<(String, String)>, Error> {
    let mut stmt = conn.prepare_cached(
        "SELECT s.period, v.content FROM submissions s
         JOIN revisions v ON v.submission_id = s.id AND v.revision = s.latest_revision
         WHERE s.facility = ?1 AND s.period = ?2 AND v.compacted_at IS NULL ORDER BY s.id",
    )?;
    let rows = stmt.query_map(params![facility, period], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The latest revision's content of the same form and facility for each
/// of `periods` (DHIS2 ids) that the outbox holds, whatever its delivery
/// state (the worker's own count, delivered, pending or refused): the
/// history of the resupply advice. At most `periods.len()` rows; compacted
/// ones (store::retention) are left out.
pub fn latest_of_periods(
    conn: &Connection,
    form_id: &str,
    facility: &str,
    periods: &[String],
) -> Result<Vec<String>, Error> {
    let mut stmt = conn.prepare_cached(
        "SELECT v.content FROM submissions s
         JOIN revisions v ON v.submission_id = s.id AND v.revision = s.latest_revision
         WHERE s.form_id = ?1 AND s.facility = ?2 AND s.period = ?3 AND v.compacted_at IS NULL",
    )?;
    let mut out = Vec::new();
    for p in periods {
        let rows = stmt.query_map(params![form_id, facility, p], |r| r.get(0))?;
        for row in rows {
            out.push(row?);
        }
    }
    Ok(out)
}

/// One stored revision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredRevision {
    /// Revision number.
    pub revision: u32,
    /// Form definition version it was recorded with.
    pub form_version: u32,
    /// Canonical JSON of the draft.
    pub content: String,
    /// sha256 of `content`.
    pub content_hash: String,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
}

/// Every revision of a submission, oldest first.
pub fn revisions(conn: &Connection, id: &str) -> Result<Vec<StoredRevision>, Error> {
    let mut stmt = conn.prepare_cached(
        "SELECT revision, form_version, content, content_hash, created_at FROM revisions
         WHERE submission_id = ?1 ORDER BY revision",
    )?;
    let rows = stmt.query_map([id], |r| {
        Ok((
            r.get::<_, u32>(0)?,
            r.get::<_, u32>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, Time>(4)?,
        ))
    })?;
    let mut out = Vec::new();
    for r in rows {
        let (revision, form_version, content, content_hash, created) = r?;
        out.push(StoredRevision {
            revision,
            form_version,
            content,
            content_hash,
            created_at: created.0,
        });
    }
    Ok(out)
}

/// One line of the audit trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// When (UTC).
    pub at: DateTime<Utc>,
    /// Revision concerned, if any.
    pub revision: Option<u32>,
    /// Destination concerned, if any.
    pub destination: Option<Destination>,
    /// What happened.
    pub event: String,
    /// State before.
    pub from_state: Option<DeliveryState>,
    /// State after.
    pub to_state: Option<DeliveryState>,
    /// Detail.
    pub detail: Option<String>,
}

/// The audit trail of a submission, oldest first.
pub fn audit_trail(conn: &Connection, id: &str) -> Result<Vec<AuditEntry>, Error> {
    let mut stmt = conn.prepare_cached(
        "SELECT at, revision, destination, event, from_state, to_state, detail FROM audit
         WHERE submission_id = ?1 ORDER BY id",
    )?;
    type Row = (
        Time,
        Option<u32>,
        Option<String>,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let rows = stmt.query_map([id], |r| -> rusqlite::Result<Row> {
        Ok((
            r.get(0)?,
            r.get(1)?,
            r.get(2)?,
            r.get(3)?,
            r.get(4)?,
            r.get(5)?,
            r.get(6)?,
        ))
    })?;
    let mut out = Vec::new();
    for r in rows {
        let (at, revision, dest, event, from, to, detail) = r?;
        out.push(AuditEntry {
            at: at.0,
            revision,
            destination: dest.as_deref().map(str::parse).transpose()?,
            event,
            from_state: from.as_deref().map(str::parse).transpose()?,
            to_state: to.as_deref().map(str::parse).transpose()?,
            detail,
        });
    }
    Ok(out)
}

/// Stores a copy of metadata fetched from a destination, for offline use.
pub fn cache_put(
    conn: &Connection,
    key: &str,
    now: DateTime<Utc>,
    body: &str,
) -> Result<(), Error> {
    conn.execute(
        "INSERT INTO metadata_cache (key, fetched_at, body) VALUES (?1, ?2, ?3)
         ON CONFLICT (key) DO UPDATE SET fetched_at = excluded.fetched_at, body = excluded.body",
        params![key, Time(now), body],
    )?;
    Ok(())
}

/// The cached copy of some metadata, if any.
pub fn cache_get(conn: &Connection, key: &str) -> Result<Option<String>, Error> {
    Ok(conn
        .prepare_cached("SELECT body FROM metadata_cache WHERE key = ?1")?
        .query_row([key], |r| r.get(0))
        .optional()?)
}

/// The cached copy, when it was fetched less than `max_age` before `now`.
pub fn cache_get_fresh(
    conn: &Connection,
    key: &str,
    now: DateTime<Utc>,
    max_age: chrono::Duration,
) -> Result<Option<String>, Error> {
    let row: Option<(Time, String)> = conn
        .query_row(
            "SELECT fetched_at, body FROM metadata_cache WHERE key = ?1",
            [key],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    Ok(match row {
        Some((at, body)) if now - at.0 < max_age => Some(body),
        _ => None,
    })
}

/// The cache key of an LMIS facility's reference data for a program.
pub fn lmis_ref_key(facility_code: &str, program_id: &str) -> String {
    format!("lmis:ref:{facility_code}:{program_id}")
}

/// One request sent for a submission and the answer it got.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExchangeEntry {
    /// When it was sent (UTC).
    pub at: DateTime<Utc>,
    /// The revision it carried.
    pub revision: u32,
    /// The destination.
    pub destination: Destination,
    /// Method and URL (no credentials: they travel in headers, not stored).
    pub request: String,
    /// The body sent (before compression), capped.
    pub request_body: Option<String>,
    /// HTTP status, when there was an answer.
    pub status: Option<u16>,
    /// The answer, capped.
    pub response_body: Option<String>,
    /// Why there was no answer.
    pub error: Option<String>,
    /// Bytes sent and received on the wire (bodies).
    pub bytes: (u64, u64),
    /// How long it took.
    pub duration_ms: u64,
}

/// Every request sent for a submission, oldest first.
pub fn exchanges_of(conn: &Connection, id: &str) -> Result<Vec<ExchangeEntry>, Error> {
    let mut stmt = conn.prepare_cached(
        "SELECT e.at, i.revision, e.destination, e.method, e.url, e.request_body, e.status, e.response_body,
                e.error, e.bytes_sent, e.bytes_received, e.duration_ms
         FROM exchange_items i JOIN exchanges e ON e.id = i.exchange_id
         WHERE i.submission_id = ?1 ORDER BY e.id",
    )?;
    type Row = (
        Time,
        u32,
        String,
        String,
        String,
        Option<String>,
        Option<u16>,
        Option<String>,
        Option<String>,
        i64,
        i64,
        i64,
    );
    let rows = stmt.query_map([id], |r| -> rusqlite::Result<Row> {
        Ok((
            r.get(0)?,
            r.get(1)?,
            r.get(2)?,
            r.get(3)?,
            r.get(4)?,
            r.get(5)?,
            r.get(6)?,
            r.get(7)?,
            r.get(8)?,
            r.get(9)?,
            r.get(10)?,
            r.get(11)?,
        ))
    })?;
    let mut out = Vec::new();
    for r in rows {
        let (at, revision, dest, method, url, req, status, resp, error, sent, received, ms) = r?;
        out.push(ExchangeEntry {
            at: at.0,
            revision,
            destination: dest.parse()?,
            request: format!("{method} {url}"),
            request_body: req,
            status,
            response_body: resp,
            error,
            bytes: (sent.max(0) as u64, received.max(0) as u64),
            duration_ms: ms.max(0) as u64,
        });
    }
    Ok(out)
}

/// Checks every stored revision against its hash; returns the ids and
/// revisions whose content does not match (empty when all is intact).
/// Tests only (the crash test checks hashes in its own crate).
#[cfg(test)]
pub fn verify_hashes(conn: &Connection) -> Result<Vec<(String, u32)>, Error> {
    let mut stmt =
        conn.prepare("SELECT submission_id, revision, content, content_hash FROM revisions WHERE compacted_at IS NULL")?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, u32>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
        ))
    })?;
    let mut bad = Vec::new();
    for r in rows {
        let (id, rev, content, hash) = r?;
        if sha256_hex(content.as_bytes()) != hash {
            bad.push((id, rev));
        }
    }
    Ok(bad)
}

/// Counts of rows per table (tests only).
pub fn table_counts(conn: &Connection) -> Result<std::collections::BTreeMap<String, i64>, Error> {
    let mut out = std::collections::BTreeMap::new();
    for t in ["submissions", "revisions", "deliveries", "audit"] {
        out.insert(
            t.to_string(),
            conn.query_row(&format!("SELECT COUNT(*) FROM {t}"), [], |r| r.get(0))?,
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests;

/// Why a destination is held, and so what releases it (besides the user's
/// explicit request, `sync` with `retry_held`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum HoldKind {
    /// The credentials were refused: released by the next sync once they
    /// changed, or by a configuration check that signs in.
    Credentials,
    /// The address or configuration is wrong: released once the address
    /// changed (as every hold is).
    Configuration,
    /// Something else answered (a redirect, a proxy's or portal's page):
    /// released when the network changes (the shell says so).
    Intercepted,
}

impl HoldKind {
    /// The kind stored with a hold (`hold.kind`; an old hold without one
    /// was placed for refused credentials).
    pub fn from_stored(s: Option<&str>) -> HoldKind {
        match s {
            Some("configuration") => HoldKind::Configuration,
            Some("intercepted") => HoldKind::Intercepted,
            _ => HoldKind::Credentials,
        }
    }

    /// What releases a hold of this kind, as a message to show.
    pub fn message(self) -> Message {
        Message::new(match self {
            HoldKind::Credentials => "hold-kind-credentials",
            HoldKind::Configuration => "hold-kind-configuration",
            HoldKind::Intercepted => "hold-kind-intercepted",
        })
    }

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            HoldKind::Credentials => "credentials",
            HoldKind::Configuration => "configuration",
            HoldKind::Intercepted => "intercepted",
        }
    }
}

/// Replaces the field problems of a delivery.
pub fn store_problems(
    tx: &Transaction,
    key: (&str, u32, Destination),
    problems: &[crate::model::delivery::FieldProblem],
) -> Result<(), Error> {
    let (id, rev, dest) = key;
    tx.prepare_cached(
        "DELETE FROM field_problems WHERE submission_id = ?1 AND revision = ?2 AND destination = ?3",
    )?
    .execute(params![id, rev, dest.as_str()])?;
    for p in problems {
        tx.prepare_cached(
            "INSERT INTO field_problems (submission_id, revision, destination, field, code, server_message, advice, advice_msg)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?
        .execute(params![
            id,
            rev,
            dest.as_str(),
            p.field,
            p.code,
            p.server_message,
            p.advice,
            p.advice_msg.as_ref().map(serde_json::to_string).transpose()?
        ])?;
    }
    Ok(())
}

/// The field problems of a delivery.
pub fn problems_of(
    conn: &Connection,
    id: &str,
    rev: u32,
    dest: Destination,
) -> Result<Vec<crate::model::delivery::FieldProblem>, Error> {
    let mut stmt = conn.prepare_cached(
        "SELECT field, code, server_message, advice, advice_msg FROM field_problems
         WHERE submission_id = ?1 AND revision = ?2 AND destination = ?3 ORDER BY rowid",
    )?;
    let rows = stmt.query_map(params![id, rev, dest.as_str()], |r| {
        Ok(crate::model::delivery::FieldProblem {
            field: r.get(0)?,
            code: r.get(1)?,
            server_message: r.get(2)?,
            advice: r.get(3)?,
            advice_msg: Message::from_stored(r.get::<_, Option<String>>(4)?.as_deref()),
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

#[cfg(test)]
mod pragma_tests {
    /// Every connection the agent opens is configured alike: WAL, commits
    /// that wait for the disk, foreign keys, temporary data in memory.
    #[test]
    fn a_configured_connection_has_the_outbox_settings() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let conn = rusqlite::Connection::open(dir.path().join("x.sqlite"))
            .unwrap_or_else(|e| panic!("{e}"));
        super::configure(&conn).unwrap_or_else(|e| panic!("{e}"));
        let get = |p: &str| -> String {
            conn.query_row(&format!("PRAGMA {p}"), [], |r| {
                r.get::<_, rusqlite::types::Value>(0)
            })
            .map(|v| format!("{v:?}"))
            .unwrap_or_else(|e| panic!("{e}"))
        };
        assert_eq!(get("journal_mode"), "Text(\"wal\")");
        assert_eq!(get("synchronous"), "Integer(2)", "FULL");
        assert_eq!(get("foreign_keys"), "Integer(1)");
        assert_eq!(get("temp_store"), "Integer(2)", "MEMORY");
    }
}
