//! What a self-check found: each fault × each configuration, for the terminal,
//! `self-check.json` and `self-check.md`.

use super::{Fault, Planted};
use serde::Serialize;
use std::fmt::Write;

#[derive(Debug, Serialize)]
pub struct Table {
    pub configurations: Vec<String>,
    pub faults: Vec<Column>,
}

/// One fault, and what became of it in each configuration, in the table's order.
#[derive(Debug, Serialize)]
pub struct Column {
    pub fault: &'static str,
    pub planted: Vec<Planted>,
}

impl Planted {
    /// One word for a cell: `caught`, `n/a` (the fault changes nothing there), `HIDDEN` (an
    /// entry explained it away) or `MISSED`.
    pub fn word(&self) -> &'static str {
        match self {
            Planted::Caught { .. } => "caught",
            Planted::NotApplicable => "n/a",
            Planted::Hidden { .. } => "HIDDEN",
            Planted::Missed { .. } => "MISSED",
        }
    }
}

impl Table {
    /// `planted` holds, per fault, each configuration's id and what became of the fault there.
    pub fn new(planted: Vec<(Fault, Vec<(String, Planted)>)>) -> Table {
        let configurations =
            planted.first().map(|(_, column)| column.iter().map(|(id, _)| id.clone()).collect()).unwrap_or_default();
        let faults = planted
            .into_iter()
            .map(|(fault, column)| Column {
                fault: fault.name(),
                planted: column.into_iter().map(|(_, p)| p).collect(),
            })
            .collect();
        Table { configurations, faults }
    }

    /// Plantings the suite did not do its job with: (fault, configuration, what became of it).
    pub fn failures(&self) -> Vec<(&str, &str, &Planted)> {
        let cells = self.faults.iter().flat_map(|column| {
            column.planted.iter().zip(&self.configurations).map(|(p, id)| (column.fault, id.as_str(), p))
        });
        cells.filter(|(_, _, planted)| !planted.ok()).collect()
    }

    pub fn plantings(&self) -> usize {
        self.faults.iter().map(|column| column.planted.len()).sum()
    }

    /// The grid, aligned for a terminal.
    pub fn text(&self) -> String {
        let width = self.configurations.iter().map(String::len).max().unwrap_or(0);
        let mut out = format!("{:<width$}", "");
        for column in &self.faults {
            let _ = write!(out, " {:>6}", column.fault);
        }
        for (row, id) in self.configurations.iter().enumerate() {
            let _ = write!(out, "\n{id:<width$}");
            for column in &self.faults {
                let _ = write!(out, " {:>w$}", column.planted[row].word(), w = column.fault.len().max(6));
            }
        }
        out
    }

    /// The grid, then for each fault the case that caught it in the first configuration where it
    /// was caught, and every planting the suite did not do its job with.
    pub fn markdown(&self) -> String {
        let mut md = String::from("# Self-check: planted faults × configurations\n\n| configuration |");
        for column in &self.faults {
            let _ = write!(md, " {} |", column.fault);
        }
        md += "\n|---|";
        md += &"---|".repeat(self.faults.len());
        for (row, id) in self.configurations.iter().enumerate() {
            let _ = write!(md, "\n| {id} |");
            for column in &self.faults {
                let _ = write!(md, " {} |", column.planted[row].word());
            }
        }
        let failed = self.failures().len();
        let _ = write!(
            md,
            "\n\n{} of {} plantings caught or not applicable.\n\n",
            self.plantings() - failed,
            self.plantings()
        );
        md += "## Where each fault was caught first\n\n";
        for column in &self.faults {
            let first = column.planted.iter().zip(&self.configurations).find_map(|(p, id)| match p {
                Planted::Caught { case, note } => Some((id, case, note)),
                _ => None,
            });
            if let Some((id, case, note)) = first {
                let _ = writeln!(md, "- `{}` in {id}, by `{case}`: {}", column.fault, one_line(note));
            }
        }
        if failed > 0 {
            md += "\n## Not caught\n\n";
            for (fault, id, planted) in self.failures() {
                let _ = writeln!(md, "- `{fault}` in {id}: {}", one_line(&format!("{planted:?}")));
            }
        }
        md
    }
}

fn one_line(text: &str) -> String {
    let line = text.lines().next().unwrap_or_default();
    let short: String = line.chars().take(200).collect();
    if short.len() < line.len() { format!("{short}…") } else { short }
}

#[cfg(test)]
mod tests {
    use super::{Planted, Table};
    use crate::Fault;

    #[test]
    fn a_planting_not_caught_is_a_failure_and_shows_in_both_forms() {
        let caught = Planted::Caught { case: "growth/past-limit".into(), note: "differs".into() };
        let hidden = Planted::Hidden { case: "kernel/x".into(), note: "an entry".into() };
        let table = Table::new(vec![
            (Fault::FlipOutputByte, vec![("a".into(), caught.clone()), ("b".into(), hidden)]),
            (Fault::PipeDropsByte, vec![("a".into(), Planted::NotApplicable), ("b".into(), caught)]),
        ]);
        assert_eq!(table.plantings(), 4);
        assert_eq!(table.failures().len(), 1);
        assert_eq!(table.failures()[0].1, "b");
        let text = table.text();
        assert!(text.contains("HIDDEN") && text.contains("n/a"), "{text}");
        let md = table.markdown();
        assert!(md.contains("| b | HIDDEN | caught |"), "{md}");
        assert!(md.contains("3 of 4 plantings") && md.contains("## Not caught"), "{md}");
    }
}
