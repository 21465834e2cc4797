//! Table columns read side by side by GETBULK, each to its own end: what was read of each,
//! where the next request starts, and which are done. No I/O here.
//!
//! A GETBULK of R columns and M rows answers row by row (the R columns' first rows, then
//! their second…), and an agent may cut the answer short to fit its message size: a
//! column takes its own places in whatever came, and one cut short goes on from its last
//! OID in the next request. A column ends at its first object past it (the next column's,
//! or endOfMibView), and is not asked again.

use super::{Value, dotted};

/// A column reads no more rows than this, against an agent that never ends its table.
const MAX_ROWS: usize = 512;

/// Columns being read.
#[derive(Debug, Default)]
pub struct Columns {
    walks: Vec<Walk>,
}

#[derive(Debug)]
struct Walk {
    root: Vec<u64>,
    /// Rows past this prefix end the column: the root, or the root and the key read.
    scope: Vec<u64>,
    /// For a column read for one key: whether a row's index (after the root) is one of
    /// the key's that is wanted; its key is then the only one read.
    wanted: Option<fn(&[u64]) -> bool>,
    /// The last OID read (the root before the first).
    from: Vec<u64>,
    rows: Vec<(Vec<u64>, Value)>,
    done: bool,
}

impl Columns {
    /// Adds the column `root` (`entry.column`), read whole; its rows are
    /// [`rows`](Self::rows) of the number returned.
    pub fn add(&mut self, root: &[u64]) -> usize {
        self.push(root, None)
    }

    /// Adds a column of a table indexed by a key first (`root.key.rest`) whose rows repeat
    /// for several keys: read up to the last row of the key of the first row whose index
    /// `wanted` accepts, and not past it.
    pub fn add_first_key(&mut self, root: &[u64], wanted: fn(&[u64]) -> bool) -> usize {
        self.push(root, Some(wanted))
    }

    fn push(&mut self, root: &[u64], wanted: Option<fn(&[u64]) -> bool>) -> usize {
        self.walks.push(Walk {
            root: root.to_vec(),
            scope: root.to_vec(),
            wanted,
            from: root.to_vec(),
            rows: Vec::new(),
            done: false,
        });
        self.walks.len() - 1
    }

    /// The rows read of `column`, in order: (OID, value).
    pub fn rows(&self, column: usize) -> &[(Vec<u64>, Value)] {
        &self.walks[column].rows
    }

    /// Whether `column` may have rows not read yet.
    pub fn is_open(&self, column: usize) -> bool {
        !self.walks[column].done
    }

    /// Reads no more of `column`: what it has is all that is wanted.
    pub fn close(&mut self, column: usize) {
        self.walks[column].done = true;
    }

    /// The columns not done, in the order added.
    pub(super) fn open(&self) -> Vec<usize> {
        (0..self.walks.len()).filter(|c| self.is_open(*c)).collect()
    }

    /// Where the next GETBULK starts each of `asked`.
    pub(super) fn starts(&self, asked: &[usize]) -> Vec<Vec<u64>> {
        asked.iter().map(|c| self.walks[*c].from.clone()).collect()
    }

    /// Ends `asked`: the agent has nothing more for them.
    pub(super) fn end(&mut self, asked: &[usize]) {
        for c in asked {
            self.close(*c);
        }
    }

    /// Takes the repetitions of one GETBULK of `asked`, row by row as the agent lays
    /// them, perhaps cut short. Errs, with the detail, when a column goes backwards.
    pub(super) fn take(
        &mut self,
        asked: &[usize],
        answer: &[(Vec<u64>, Value)],
    ) -> Result<(), String> {
        if asked.is_empty() {
            return Ok(());
        }
        for (n, (oid, value)) in answer.iter().enumerate() {
            let walk = &mut self.walks[asked[n % asked.len()]];
            if walk.done {
                continue;
            }
            // An agent past the end of its view fills every repetition with endOfMibView
            // (snmpsim does): the first one ends the column.
            if *value == Value::EndOfMibView || !oid.starts_with(&walk.scope) {
                walk.done = true;
                continue;
            }
            if *oid <= walk.from {
                return Err(format!(
                    "the walk of {} went backwards (at {})",
                    dotted(&walk.root),
                    dotted(oid)
                ));
            }
            walk.from.clone_from(oid);
            if let Some(wanted) = walk.wanted
                && walk.scope.len() == walk.root.len()
                && wanted(&oid[walk.root.len()..])
            {
                walk.scope = oid[..=walk.root.len()].to_vec();
            }
            walk.rows.push((oid.clone(), value.clone()));
            if walk.rows.len() >= MAX_ROWS {
                walk.done = true;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn oid(parts: &[u64]) -> Vec<u64> {
        parts.to_vec()
    }

    #[test]
    fn an_answer_row_by_row_goes_to_each_column_which_ends_past_itself() {
        let mut c = Columns::default();
        let a = c.add(&[1, 5]);
        let b = c.add(&[1, 6]);
        let answer = vec![
            (oid(&[1, 5, 1]), Value::Integer(10)),
            (oid(&[1, 6, 1]), Value::Integer(20)),
            (oid(&[1, 6, 1]), Value::Integer(11)),
            (oid(&[1, 6, 2]), Value::Integer(21)),
            (oid(&[1, 7, 1]), Value::Integer(0)),
            (oid(&[1, 6, 3]), Value::Integer(22)),
        ];
        // The second row of `a` is `b`'s first: `a` ends there, whatever follows for it.
        c.take(&[a, b], &answer).unwrap();
        assert_eq!(c.rows(a).len(), 1);
        assert!(!c.is_open(a));
        assert_eq!(c.rows(b).len(), 3, "{:?}", c.rows(b));
        assert!(c.is_open(b), "b has not shown its end yet");
        assert_eq!(c.open(), [b]);
        assert_eq!(c.starts(&[b]), [oid(&[1, 6, 3])]);
    }

    #[test]
    fn an_answer_cut_short_leaves_the_columns_to_go_on_and_end_of_view_ends_them() {
        let mut c = Columns::default();
        let a = c.add(&[1, 5]);
        let b = c.add(&[1, 6]);
        // Cut after the first row of `a`: `b` has nothing yet and starts again at its root.
        c.take(&[a, b], &[(oid(&[1, 5, 1]), Value::Integer(1))])
            .unwrap();
        assert_eq!(c.starts(&c.open()), [oid(&[1, 5, 1]), oid(&[1, 6])]);
        c.take(
            &[a, b],
            &[
                (oid(&[1, 5, 1]), Value::EndOfMibView),
                (oid(&[1, 6, 4]), Value::Integer(2)),
            ],
        )
        .unwrap();
        assert!(!c.is_open(a));
        assert_eq!(c.rows(b), [(oid(&[1, 6, 4]), Value::Integer(2))]);
        c.end(&[b]);
        assert!(c.open().is_empty());
    }

    #[test]
    fn a_column_that_goes_backwards_is_an_error_naming_it() {
        let mut c = Columns::default();
        let a = c.add(&[1, 5]);
        c.take(&[a], &[(oid(&[1, 5, 3]), Value::Integer(1))])
            .unwrap();
        let e = c
            .take(&[a], &[(oid(&[1, 5, 2]), Value::Integer(1))])
            .unwrap_err();
        assert!(e.contains("1.5") && e.contains("1.5.2"), "{e}");
    }

    #[test]
    fn a_keyed_column_reads_the_key_of_its_first_wanted_row_only() {
        let mut c = Columns::default();
        // Rows `key.medium.persistence`; wanted: persistence 3.
        let a = c.add_first_key(&[9, 4], |index| index.last() == Some(&3));
        let rows = [
            [9, 4, 1, 1, 4],
            [9, 4, 2, 1, 3],
            [9, 4, 2, 2, 3],
            [9, 4, 2, 2, 4],
            [9, 4, 3, 1, 3],
            [9, 4, 3, 2, 3],
        ];
        let answer: Vec<_> = rows.iter().map(|r| (oid(r), Value::Integer(1))).collect();
        c.take(&[a], &answer).unwrap();
        // Key 1 has no wanted row; key 2 has: read to its end, key 3 not read.
        let got: Vec<&[u64]> = c.rows(a).iter().map(|(o, _)| &o[..]).collect();
        assert_eq!(
            got,
            [&rows[0][..], &rows[1][..], &rows[2][..], &rows[3][..]]
        );
        assert!(!c.is_open(a));
    }

    #[test]
    fn a_column_stops_at_its_row_limit() {
        let mut c = Columns::default();
        let a = c.add(&[1]);
        let answer: Vec<_> = (1..=MAX_ROWS as u64 + 5)
            .map(|n| (oid(&[1, n]), Value::Integer(0)))
            .collect();
        c.take(&[a], &answer).unwrap();
        assert_eq!(c.rows(a).len(), MAX_ROWS);
        assert!(!c.is_open(a));
    }
}
