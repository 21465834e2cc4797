//! Values the client libraries would accept but that cannot be what the DSI meant: each
//! check gives the problem and the fix, for the configuration error that lists them all.

/// A problem found in a value, and how to fix it.
pub struct Problem {
    pub problem: String,
    pub fix: String,
}

const DATABASE_FIX: &str =
    "use sqlite://PATH (embedded, a file) or postgres://USER@HOST:PORT/DATABASE";

/// The database URL names a database parcd can keep its data in. sqlx fills what a URL
/// leaves out with its own defaults: `postgres://` alone connects to the server and
/// database of the environment (parcd's schema was once created in an unrelated database
/// that way), and `sqlite://` alone opens a database that lives in memory and is lost at
/// exit, so both are refused rather than completed.
pub fn database_url(url: &str, redacted: &str) -> Option<Problem> {
    let problem = |what: &str| {
        Some(Problem {
            problem: format!("\"{redacted}\" {what}"),
            fix: DATABASE_FIX.to_string(),
        })
    };
    if let Some(rest) = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
    {
        let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
        if path.is_empty() || path == ":memory:" || query.contains("mode=memory") {
            return problem("names no file: the data would live in memory and be lost at exit");
        }
        return None;
    }
    let Some(rest) = url
        .strip_prefix("postgres://")
        .or_else(|| url.strip_prefix("postgresql://"))
    else {
        return problem("is not a database parcd supports");
    };
    let (location, query) = rest.split_once('?').unwrap_or((rest, ""));
    let host = location.split_once('/').map_or(location, |(h, _)| h);
    let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
    let database = location.split_once('/').map_or("", |(_, d)| d);
    let in_query = |key: &str| {
        query.split('&').any(|kv| {
            kv.split_once('=')
                .is_some_and(|(k, v)| k == key && !v.is_empty())
        })
    };
    if host.is_empty() && !in_query("host") {
        return problem("names no server");
    }
    if database.is_empty() && !in_query("dbname") {
        return problem(
            "names no database: parcd would create its tables in the server's default one",
        );
    }
    None
}

/// The `[server] token` is one a client can send as `Authorization: Bearer TOKEN` (RFC 6750's
/// characters) and too long to guess. The problem never quotes the token.
pub fn token(token: &str) -> Option<String> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "-._~+/=".contains(c);
    if token.chars().count() < 16 {
        Some(format!(
            "is {} characters long, too short to resist guessing",
            token.chars().count()
        ))
    } else if !token.chars().all(allowed) {
        Some("holds a character a client cannot send in an Authorization header".into())
    } else {
        None
    }
}

const LEVELS: [&str; 6] = ["off", "error", "warn", "info", "debug", "trace"];

/// The log filter is made of levels: `info`, or `info,parcd=debug`. tracing reads a bare word
/// that is not a level as a module name to show at every level, so `warning` or `verbose`
/// would hide every message parcd writes, errors included.
pub fn log_filter(filter: &str) -> Option<Problem> {
    let fix = |suggested: &str| {
        format!(
            "use {suggested}one of error, warn, info, debug or trace (or a filter such as \"info,parcd=debug\")"
        )
    };
    for directive in filter.split(',').map(str::trim) {
        if directive.is_empty() {
            continue;
        }
        let level = directive
            .rsplit_once('=')
            .map_or(directive, |(_, level)| level)
            .trim();
        if !LEVELS.iter().any(|l| l.eq_ignore_ascii_case(level)) {
            let suggested = LEVELS
                .iter()
                .find(|l| level.to_ascii_lowercase().starts_with(&l[..3]))
                .map(|l| format!("\"{l}\", "))
                .unwrap_or_default();
            return Some(Problem {
                problem: format!("\"{level}\" in \"{filter}\" is not a log level"),
                fix: fix(&suggested),
            });
        }
    }
    if tracing_subscriber::EnvFilter::try_new(filter).is_err() {
        return Some(Problem {
            problem: format!("\"{filter}\" is not a log filter"),
            fix: fix(""),
        });
    }
    None
}

/// The configuration file's text, or why it cannot be read, said for what the path is: a
/// missing file, a directory, a device, a file parcd may not read, bytes that are not UTF-8
/// (a name with an accent saved in Latin-1 would otherwise change silently).
pub fn config_file(path: &std::path::Path) -> Result<String, String> {
    use std::io::ErrorKind;
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == ErrorKind::NotFound => {
            return Err("no such file (pass --config FILE or set PARCD_CONFIG)".into());
        }
        Err(e) if e.kind() == ErrorKind::PermissionDenied => {
            return Err(
                "permission denied on a directory of its path: let parcd's user traverse it".into(),
            );
        }
        Err(e) => return Err(e.to_string()),
    };
    if meta.is_dir() {
        return Err(format!(
            "is a directory, not a file: pass the file, e.g. {}",
            path.join("parcd.toml").display()
        ));
    }
    if !meta.is_file() {
        return Err(
            "is not a regular file (a device, a socket or a pipe): pass the TOML file".into(),
        );
    }
    let bytes = std::fs::read(path).map_err(|e| match e.kind() {
        ErrorKind::PermissionDenied => {
            "permission denied: make the file readable by the user parcd runs as (chmod, chgrp)"
                .to_string()
        }
        _ => e.to_string(),
    })?;
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let before = &e.as_bytes()[..at];
        let line = before.iter().filter(|b| **b == b'\n').count() + 1;
        let column = at
            - before
                .iter()
                .rposition(|b| *b == b'\n')
                .map_or(0, |i| i + 1)
            + 1;
        format!(
            "is not UTF-8 (byte 0x{:02x} at line {line}, column {column}): save it as UTF-8 \
             (an editor's \"UTF-8\" encoding; Windows' \"ANSI\" is not)",
            e.as_bytes()[at]
        )
    })
}

/// Configuration issues about keys that an environment variable set (`PARCD__SECTION__KEY`)
/// name that variable: a typo in it is otherwise reported as a key of a file that has none.
pub fn name_environment_variables(
    mut issues: Vec<parcd_connectors::ParamIssue>,
    vars: impl Iterator<Item = (String, String)>,
) -> Vec<parcd_connectors::ParamIssue> {
    let paths: Vec<(String, String)> = vars
        .filter_map(|(name, _)| {
            let path = name
                .strip_prefix("PARCD__")?
                .to_ascii_lowercase()
                .replace("__", ".");
            Some((name, path))
        })
        .collect();
    for issue in &mut issues {
        let from: Vec<&str> = paths
            .iter()
            .filter(|(_, path)| *path == issue.key || path.starts_with(&format!("{}.", issue.key)))
            .map(|(name, _)| name.as_str())
            .collect();
        if !from.is_empty() {
            issue.problem = format!(
                "{} (set by the environment variable {})",
                issue.problem,
                from.join(", ")
            );
        }
    }
    issues
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_config_path_that_is_not_a_readable_utf8_file_says_what_it_is() {
        let dir = tempfile::tempdir().unwrap();
        assert!(
            config_file(&dir.path().join("absent.toml"))
                .unwrap_err()
                .contains("no such file")
        );
        assert!(
            config_file(dir.path())
                .unwrap_err()
                .contains("is a directory")
        );
        assert!(
            config_file(std::path::Path::new("/dev/null"))
                .unwrap_err()
                .contains("not a regular file")
        );
        let latin1 = dir.path().join("latin1.toml");
        std::fs::write(&latin1, b"[database]\nurl = \"sqlite://caf\xe9.db\"\n").unwrap();
        let e = config_file(&latin1).unwrap_err();
        assert!(
            e.contains("not UTF-8") && e.contains("0xe9") && e.contains("line 2, column 20"),
            "{e}"
        );
        let good = dir.path().join("good.toml");
        std::fs::write(&good, "[database]\nurl = \"sqlite://café.db\"\n").unwrap();
        assert!(config_file(&good).unwrap().contains("café"));
    }

    #[test]
    fn an_issue_set_by_an_environment_variable_names_it() {
        let issue = |key: &str| parcd_connectors::ParamIssue {
            key: key.into(),
            problem: "is not a known key".into(),
            fix: "remove it".into(),
        };
        let vars = [
            (
                "PARCD__DATABSE__URL".to_string(),
                "postgres://x".to_string(),
            ),
            ("HOME".to_string(), "/root".to_string()),
        ];
        let named = name_environment_variables(
            vec![issue("databse"), issue("server.lisen")],
            vars.into_iter(),
        );
        assert!(
            named[0]
                .problem
                .contains("set by the environment variable PARCD__DATABSE__URL"),
            "{:?}",
            named[0]
        );
        assert_eq!(named[1].problem, "is not a known key");
    }

    #[test]
    fn database_urls_that_name_a_place_to_keep_data_pass() {
        for url in [
            "sqlite://parcd.db",
            "sqlite:///var/lib/parcd/parcd.db",
            "sqlite:parcd.db?mode=rwc",
            "postgres://postgres@127.0.0.1:5432/parcd",
            "postgresql://parcd:pw@db.example/parcd?sslmode=require",
            "postgres:///parcd?host=/run/postgresql",
            "postgres://db.example?dbname=parcd",
        ] {
            assert!(database_url(url, url).is_none(), "{url}");
        }
    }

    #[test]
    fn bare_or_memory_database_urls_are_refused_with_the_fix() {
        for (url, says) in [
            ("postgres://", "no server"),
            ("postgresql://", "no server"),
            ("postgres://db.example", "no database"),
            ("postgres://parcd@db.example:5432/", "no database"),
            ("sqlite://", "no file"),
            ("sqlite:", "no file"),
            ("sqlite::memory:", "no file"),
            ("sqlite://x.db?mode=memory", "no file"),
            (
                "mysql://root@localhost/parcd",
                "not a database parcd supports",
            ),
        ] {
            let p = database_url(url, url).unwrap_or_else(|| panic!("{url} passed"));
            assert!(p.problem.contains(says), "{url}: {}", p.problem);
            assert!(
                p.fix.contains("postgres://USER@HOST:PORT/DATABASE"),
                "{url}"
            );
        }
    }

    #[test]
    fn log_filters_of_levels_pass() {
        for f in [
            "info",
            "WARN",
            "off",
            "info,parcd=debug",
            "warn,sqlx=error",
            " debug ",
        ] {
            assert!(log_filter(f).is_none(), "{f}");
        }
    }

    #[test]
    fn a_word_that_is_not_a_level_is_refused_and_the_level_it_resembles_suggested() {
        for (f, suggested) in [
            ("warning", Some("\"warn\"")),
            ("inf", Some("\"info\"")),
            ("verbose", None),
            ("info,parcd=verbose", None),
            ("parcd", None),
        ] {
            let p = log_filter(f).unwrap_or_else(|| panic!("{f} passed"));
            assert!(
                p.problem.contains("is not a log level"),
                "{f}: {}",
                p.problem
            );
            if let Some(s) = suggested {
                assert!(p.fix.contains(s), "{f}: {}", p.fix);
            }
            assert!(p.fix.contains("error, warn, info, debug or trace"));
        }
    }
}
