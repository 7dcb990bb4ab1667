//! The `.ts` text format in which the UCR/UEA time-series archives publish their data sets, as
//! aeon and sktime write it: `#` comment lines, `@` header lines (`@problemName`, `@timeStamps`,
//! `@missing`, `@univariate`, `@dimensions`, `@equalLength`, `@seriesLength`, `@classLabel`,
//! `@targetLabel`), then `@data` and one case per line: channels separated by `:`, the values of
//! a channel by `,`, the class label or regression target as the last `:` field.
//!
//! The core reads text, never files: the caller opens the file and hands over a `&str` or a
//! reader. Every malformed line is an error that gives its line number (1-based) and what is
//! wrong; channels and steps are counted from 0, as the arrays count them. Time stamps and
//! missing values (`?`, `NaN`) are refused: neurona neither aligns nor imputes.

use std::collections::HashSet;
use std::io::BufRead;

use ndarray::Array2;

use crate::data::sequences::SequenceSet;
use crate::error::{NeuronaError, Result};

/// A data set read from `.ts` text.
#[derive(Debug, Clone, PartialEq)]
pub struct TsDataset {
    /// `@problemName`, if the header gives one.
    pub problem_name: Option<String>,
    /// One sequence per case, `(n_timepoints, n_channels)` each: the steps-features layout.
    pub sequences: SequenceSet<f64>,
    /// The class labels `@classLabel true ...` declares, in declaration order.
    pub class_labels: Option<Vec<String>>,
    /// Each case's class label (with `@classLabel true`).
    pub labels: Option<Vec<String>>,
    /// Each case's regression target (with `@targetLabel true`).
    pub targets: Option<Vec<f64>>,
}

impl TsDataset {
    /// Parses `.ts` text.
    pub fn parse(text: &str) -> Result<Self> {
        let mut parser = Parser::default();
        for (i, line) in text.lines().enumerate() {
            parser.line(i + 1, line)?;
        }
        parser.finish()
    }

    /// Parses `.ts` text from a reader (a file the caller opened); a read error, or text that is
    /// not UTF-8, is an [`NeuronaError::Io`] error.
    pub fn read(reader: impl BufRead) -> Result<Self> {
        let mut parser = Parser::default();
        for (i, line) in reader.lines().enumerate() {
            let line = line.map_err(|e| NeuronaError::Io {
                path: ".ts data".to_owned(),
                message: format!("line {}: {e}", i + 1),
            })?;
            parser.line(i + 1, &line)?;
        }
        parser.finish()
    }

    /// Each case's label as an index into `class_labels`, for a classification data set.
    pub fn label_indices(&self) -> Option<Vec<usize>> {
        let (declared, labels) = (self.class_labels.as_ref()?, self.labels.as_ref()?);
        // The parser accepts only declared labels, so every position exists.
        labels.iter().map(|label| declared.iter().position(|d| d == label)).collect()
    }
}

/// The error for line `line`.
fn at(line: usize, problem: impl std::fmt::Display) -> NeuronaError {
    NeuronaError::input(".ts data", format!("line {line}: {problem}"))
}

/// What the header lines declared.
#[derive(Debug, Default)]
struct Header {
    problem_name: Option<String>,
    univariate: Option<bool>,
    dimensions: Option<usize>,
    equal_length: Option<bool>,
    series_length: Option<usize>,
    /// `Some` after `@classLabel true ...`.
    class_labels: Option<Vec<String>>,
    target_label: bool,
}

/// The state of a parse: the header, whether `@data` was seen, and the cases so far.
#[derive(Debug, Default)]
struct Parser {
    header: Header,
    data_line: Option<usize>,
    /// The line of the first case and its channel and step counts, to compare the others with.
    first_case: Option<(usize, usize, usize)>,
    cases: Vec<Array2<f64>>,
    labels: Vec<String>,
    targets: Vec<f64>,
}

impl Parser {
    fn line(&mut self, number: usize, line: &str) -> Result<()> {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            return Ok(());
        }
        if let Some(header) = line.strip_prefix('@') {
            return self.header_line(number, header);
        }
        if self.data_line.is_none() {
            return Err(at(number, "data before @data: the cases must follow the @data line"));
        }
        self.case(number, line)
    }

    fn header_line(&mut self, number: usize, header: &str) -> Result<()> {
        let mut words = header.split_whitespace();
        let raw_tag = words.next().unwrap_or_default();
        // Tags are case-insensitive, as aeon reads them.
        let tag = raw_tag.to_ascii_lowercase();
        let args: Vec<&str> = words.collect();
        if self.data_line.is_some() {
            return Err(at(number, format!("header '@{raw_tag}' after @data: headers must come before the cases")));
        }
        let h = &mut self.header;
        match tag.as_str() {
            "problemname" if !args.is_empty() => h.problem_name = Some(args.join(" ")),
            "problemname" => return Err(at(number, "@problemName has no name")),
            "timestamps" => {
                if flag(number, "@timeStamps", &args)? {
                    return Err(at(
                        number,
                        "@timeStamps true is not supported: give the values without time stamps, one per step",
                    ));
                }
            }
            // Missing values are refused where they occur, whatever @missing says.
            "missing" => {
                flag(number, "@missing", &args)?;
            }
            "univariate" => h.univariate = Some(flag(number, "@univariate", &args)?),
            "dimension" | "dimensions" => h.dimensions = Some(count(number, "@dimensions", &args)?),
            "equallength" => h.equal_length = Some(flag(number, "@equalLength", &args)?),
            "serieslength" => h.series_length = Some(count(number, "@seriesLength", &args)?),
            "classlabel" => h.class_labels = class_labels(number, &args)?,
            "targetlabel" => h.target_label = flag(number, "@targetLabel", &args)?,
            "data" if args.is_empty() => return self.start_data(number),
            "data" => return Err(at(number, format!("@data takes nothing after it, got '{}'", args.join(" ")))),
            _ => return Err(at(number, format!("unknown header '@{raw_tag}'"))),
        }
        Ok(())
    }

    /// `@data`: the header is complete; its declarations must agree with each other.
    fn start_data(&mut self, number: usize) -> Result<()> {
        let h = &self.header;
        if h.class_labels.is_some() && h.target_label {
            return Err(at(number, "@classLabel true and @targetLabel true together: a case has one label field"));
        }
        match (h.univariate, h.dimensions) {
            (Some(true), Some(d)) if d != 1 => {
                return Err(at(number, format!("@univariate true but @dimensions {d}")));
            }
            (Some(false), Some(1)) => return Err(at(number, "@univariate false but @dimensions 1")),
            _ => {}
        }
        self.data_line = Some(number);
        Ok(())
    }

    /// How many channels a case must have: declared, or the first case's.
    fn expected_channels(&self) -> Option<(usize, String)> {
        let h = &self.header;
        if let Some(d) = h.dimensions {
            return Some((d, format!("@dimensions declares {d}")));
        }
        if h.univariate == Some(true) {
            return Some((1, "@univariate true declares 1".to_owned()));
        }
        self.first_case.map(|(line, channels, _)| (channels, format!("line {line} has {channels}")))
    }

    fn case(&mut self, number: usize, line: &str) -> Result<()> {
        let mut fields: Vec<&str> = line.split(':').collect();
        let labelled = self.header.class_labels.is_some() || self.header.target_label;
        let label = if labelled { fields.pop() } else { None };
        if fields.is_empty() {
            return Err(at(number, "case has no channel before its label"));
        }
        if let Some((expected, why)) = self.expected_channels()
            && fields.len() != expected
        {
            let label_note = if labelled { " (the last ':' field is the label)" } else { "" };
            return Err(at(number, format!("case has {} channels{label_note}, but {why}", fields.len())));
        }
        let channels = fields.iter().enumerate().map(|(c, f)| channel(number, c, f)).collect::<Result<Vec<_>>>()?;
        let n_steps = channels[0].len();
        if let Some((c, values)) = channels.iter().enumerate().find(|(_, v)| v.len() != n_steps) {
            return Err(at(
                number,
                format!(
                    "channel {c} has {} values, but channel 0 has {n_steps}: the channels of a case must be equally long",
                    values.len()
                ),
            ));
        }
        self.check_length(number, n_steps)?;
        if let Some(label) = label {
            self.label(number, label.trim())?;
        }
        self.first_case.get_or_insert((number, channels.len(), n_steps));
        self.cases.push(Array2::from_shape_fn((n_steps, channels.len()), |(t, c)| channels[c][t]));
        Ok(())
    }

    /// With `@equalLength true`, every case as long as `@seriesLength` and the first case.
    fn check_length(&self, number: usize, n_steps: usize) -> Result<()> {
        if self.header.equal_length != Some(true) {
            return Ok(());
        }
        if let Some(declared) = self.header.series_length
            && n_steps != declared
        {
            return Err(at(number, format!("case has {n_steps} steps, but @seriesLength declares {declared}")));
        }
        match self.first_case {
            Some((line, _, first)) if first != n_steps => Err(at(
                number,
                format!("case has {n_steps} steps, but @equalLength is true and line {line} has {first}"),
            )),
            _ => Ok(()),
        }
    }

    fn label(&mut self, number: usize, label: &str) -> Result<()> {
        if let Some(declared) = &self.header.class_labels {
            if !declared.iter().any(|d| d == label) {
                return Err(at(
                    number,
                    format!("class label '{label}' is not declared in @classLabel ({})", declared.join(" ")),
                ));
            }
            self.labels.push(label.to_owned());
        } else {
            let target = match label.parse::<f64>() {
                Ok(v) if v.is_finite() => v,
                Ok(_) => return Err(at(number, format!("target '{label}' is not finite"))),
                Err(_) => return Err(at(number, format!("target '{label}' is not a number"))),
            };
            self.targets.push(target);
        }
        Ok(())
    }

    fn finish(self) -> Result<TsDataset> {
        let Some(data_line) = self.data_line else {
            return Err(NeuronaError::input(".ts data", "has no @data line: the cases must follow one"));
        };
        if self.cases.is_empty() {
            return Err(NeuronaError::input(".ts data", format!("has no case after @data (line {data_line})")));
        }
        let h = self.header;
        Ok(TsDataset {
            problem_name: h.problem_name,
            sequences: SequenceSet::from_sequences(&self.cases)?,
            labels: h.class_labels.is_some().then_some(self.labels),
            class_labels: h.class_labels,
            targets: h.target_label.then_some(self.targets),
        })
    }
}

/// The values of channel `c`: numbers separated by `,`.
fn channel(number: usize, c: usize, field: &str) -> Result<Vec<f64>> {
    let field = field.trim();
    if field.is_empty() {
        return Err(at(number, format!("channel {c} is empty")));
    }
    field
        .split(',')
        .enumerate()
        .map(|(t, value)| {
            let value = value.trim();
            match value.parse::<f64>() {
                Ok(v) if v.is_finite() => Ok(v),
                _ if value == "?" || value.eq_ignore_ascii_case("nan") => Err(at(
                    number,
                    format!(
                        "channel {c} has a missing value ('{value}') at step {t}: neurona does not impute, fill or \
                         drop missing values first"
                    ),
                )),
                Ok(_) => Err(at(number, format!("channel {c} has '{value}' at step {t}, which is not finite"))),
                Err(_) => Err(at(number, format!("channel {c} has '{value}' at step {t}, which is not a number"))),
            }
        })
        .collect()
}

/// `true` or `false`, the one word after a header tag.
fn flag(number: usize, tag: &str, args: &[&str]) -> Result<bool> {
    match args {
        [word] if word.eq_ignore_ascii_case("true") => Ok(true),
        [word] if word.eq_ignore_ascii_case("false") => Ok(false),
        _ => Err(at(number, format!("{tag} must be followed by true or false, got '{}'", args.join(" ")))),
    }
}

/// A positive integer, the one word after a header tag.
fn count(number: usize, tag: &str, args: &[&str]) -> Result<usize> {
    match args {
        [word] => match word.parse::<usize>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(at(number, format!("{tag} must be followed by a positive integer, got '{word}'"))),
        },
        _ => Err(at(number, format!("{tag} must be followed by a positive integer, got '{}'", args.join(" ")))),
    }
}

/// `@classLabel false`, or `@classLabel true` and the distinct labels.
fn class_labels(number: usize, args: &[&str]) -> Result<Option<Vec<String>>> {
    let Some((first, labels)) = args.split_first() else {
        return Err(at(number, "@classLabel must be followed by true and the labels, or false"));
    };
    if flag(number, "@classLabel", &[first])? {
        if labels.is_empty() {
            return Err(at(number, "@classLabel true declares no label"));
        }
        let mut seen = HashSet::new();
        if let Some(twice) = labels.iter().find(|label| !seen.insert(**label)) {
            return Err(at(number, format!("@classLabel declares '{twice}' twice")));
        }
        Ok(Some(labels.iter().map(|s| s.to_string()).collect()))
    } else if labels.is_empty() {
        Ok(None)
    } else {
        Err(at(number, format!("@classLabel false takes no labels, got '{}'", labels.join(" "))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "# a comment: with a colon\n@problemName Toy\n@timeStamps false\n@missing false\n\
                          @univariate false\n@dimensions 2\n@equalLength false\n@classLabel true a b\n@data\n";

    fn error(text: &str) -> String {
        TsDataset::parse(text).unwrap_err().to_string()
    }

    #[test]
    fn multivariate_unequal_length_with_classes() {
        let text = format!("{HEADER}1,2,3:4,5,6:a\n\n7:8:b\r\n");
        let ts = TsDataset::parse(&text).unwrap();
        assert_eq!(ts.problem_name.as_deref(), Some("Toy"));
        assert_eq!(ts.sequences.lengths(), &[3, 1]);
        assert_eq!(ts.sequences.n_features(), 2);
        assert_eq!(ts.sequences.values(), &[1.0, 4.0, 2.0, 5.0, 3.0, 6.0, 7.0, 8.0, 0.0, 0.0, 0.0, 0.0]);
        assert_eq!(ts.class_labels.as_deref(), Some(&["a".to_owned(), "b".to_owned()][..]));
        assert_eq!(ts.labels.as_deref(), Some(&["a".to_owned(), "b".to_owned()][..]));
        assert_eq!(ts.label_indices(), Some(vec![0, 1]));
        assert_eq!(ts.targets, None);
        assert_eq!(TsDataset::read(text.as_bytes()).unwrap(), ts);
    }

    #[test]
    fn univariate_equal_length_regression() {
        let text = "@problemName R\n@univariate true\n@equalLength true\n@seriesLength 3\n@classLabel false\n\
                    @targetLabel true\n@data\n1,2,3:0.5\n4, 5 ,6:-2e1\n";
        let ts = TsDataset::parse(text).unwrap();
        assert_eq!((ts.sequences.n_sequences(), ts.sequences.t_max(), ts.sequences.n_features()), (2, 3, 1));
        assert_eq!(ts.sequences.sequence(1).column(0).to_vec(), [4.0, 5.0, 6.0]);
        assert_eq!(ts.targets, Some(vec![0.5, -20.0]));
        assert_eq!((ts.labels, ts.class_labels), (None, None));
        let unlabelled = TsDataset::parse("@data\n1,2:3,4\n5:6\n").unwrap();
        assert_eq!((unlabelled.sequences.n_features(), unlabelled.sequences.lengths()), (2, &[2, 1][..]));
        assert_eq!(unlabelled.problem_name, None);
    }

    #[test]
    fn malformed_cases_name_their_line() {
        assert_eq!(
            error(&format!("{HEADER}1,2:3,4:a\n1,2:a\n")),
            ".ts data line 11: case has 1 channels (the last ':' field is the label), but @dimensions declares 2"
        );
        let undeclared = "@classLabel true a\n@data\n1:2:a\n1:a\n";
        assert_eq!(
            error(undeclared),
            ".ts data line 4: case has 1 channels (the last ':' field is the label), but line 3 has 2"
        );
        assert_eq!(
            error(&format!("{HEADER}1,x,3:4,5,6:a\n")),
            ".ts data line 10: channel 0 has 'x' at step 1, which is not a number"
        );
        assert_eq!(
            error(&format!("{HEADER}1,2:4,?:a\n")),
            ".ts data line 10: channel 1 has a missing value ('?') at step 1: neurona does not impute, fill or drop \
             missing values first"
        );
        assert!(error(&format!("{HEADER}1,NaN:4,5:a\n")).contains("channel 0 has a missing value ('NaN') at step 1"));
        assert!(error(&format!("{HEADER}1,inf:4,5:a\n")).contains("'inf' at step 1, which is not finite"));
        assert_eq!(
            error(&format!("{HEADER}1,2:4:a\n")),
            ".ts data line 10: channel 1 has 1 values, but channel 0 has 2: the channels of a case must be equally long"
        );
        assert_eq!(error(&format!("{HEADER}1,2::a\n")), ".ts data line 10: channel 1 is empty");
        assert_eq!(
            error(&format!("{HEADER}1:2:c\n")),
            ".ts data line 10: class label 'c' is not declared in @classLabel (a b)"
        );
        assert_eq!(error("@targetLabel true\n@data\n1,2:x\n"), ".ts data line 3: target 'x' is not a number");
        assert_eq!(error("@classLabel true a\n@data\na\n"), ".ts data line 3: case has no channel before its label");
    }

    #[test]
    fn header_and_structure_errors() {
        assert_eq!(
            error("@problemName P\n1,2\n@data\n"),
            ".ts data line 2: data before @data: the cases must follow the @data line"
        );
        assert_eq!(
            error("@problemName P\n@classLabel false\n"),
            ".ts data has no @data line: the cases must follow one"
        );
        assert_eq!(error("@data\n# only a comment\n"), ".ts data has no case after @data (line 1)");
        assert!(error("@timeStamps true\n@data\n").starts_with(".ts data line 1: @timeStamps true is not supported"));
        assert_eq!(
            error("@data\n1,2\n@classLabel false\n"),
            ".ts data line 3: header '@classLabel' after @data: headers must come before the cases"
        );
        assert_eq!(error("@dimensionz 3\n"), ".ts data line 1: unknown header '@dimensionz'");
        assert_eq!(
            error("@univariate maybe\n"),
            ".ts data line 1: @univariate must be followed by true or false, got 'maybe'"
        );
        assert!(error("@dimensions 0\n").contains("@dimensions must be followed by a positive integer, got '0'"));
        assert_eq!(error("@classLabel true\n"), ".ts data line 1: @classLabel true declares no label");
        assert_eq!(error("@classLabel true a b a\n"), ".ts data line 1: @classLabel declares 'a' twice");
        assert!(error("@classLabel false a\n").contains("@classLabel false takes no labels"));
        assert!(error("@classLabel true a\n@targetLabel true\n@data\n").contains("together"));
        assert_eq!(
            error("@univariate true\n@dimensions 3\n@data\n"),
            ".ts data line 3: @univariate true but @dimensions 3"
        );
        assert_eq!(
            error("@equalLength true\n@data\n1,2,3\n1,2\n"),
            ".ts data line 4: case has 2 steps, but @equalLength is true and line 3 has 3"
        );
        assert_eq!(
            error("@equalLength true\n@seriesLength 2\n@data\n1,2,3\n"),
            ".ts data line 4: case has 3 steps, but @seriesLength declares 2"
        );
        let bad_utf8: &[u8] = b"@data\n1,2\n\xff\n";
        assert!(matches!(TsDataset::read(bad_utf8), Err(NeuronaError::Io { .. })));
    }
}
