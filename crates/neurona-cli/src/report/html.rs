//! The report's page: one self-contained HTML file.

use std::fmt::Write as _;

use super::ReportInput;

/// The pictures drawn for the page, as SVG text.
#[derive(Debug)]
pub(super) struct Figures<'a> {
    /// The learning curve, when there is one.
    pub loss: Option<&'a str>,
    pub confusion: Option<&'a str>,
    pub components: Option<&'a str>,
}

/// The page: title, scores, plots (inline SVG), parameters. It loads nothing: no scripts, no
/// style sheets, no fonts, no images from elsewhere, so it can be mailed or archived as it is.
pub(super) fn render_html(input: &ReportInput, figures: &Figures) -> String {
    let mut html = String::with_capacity(16 * 1024);
    let title = escape(&input.title);
    let _ = write!(
        html,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{title}</title>\n<style>\n{STYLE}</style>\n\
         </head>\n<body>\n<h1>{title}</h1>\n"
    );
    if !input.scores.is_empty() {
        html.push_str("<h2>Scores</h2>\n");
        push_table(&mut html, "scores", &input.scores);
    }
    let curve = input.curve;
    let _ = writeln!(html, "<h2>{}</h2>", escape(curve.heading));
    match figures.loss {
        Some(svg) => {
            let caption = match input.validation_scores {
                Some(v) if !v.is_empty() => {
                    format!("{} per epoch, and the {} below it.", escape(curve.title), escape(input.validation_label))
                }
                _ => format!("{} per epoch.", escape(curve.title)),
            };
            push_figure(&mut html, svg, &caption);
        }
        None => {
            let _ = writeln!(html, "<p class=\"note\">{}</p>", escape(curve.missing));
        }
    }
    if let Some(svg) = figures.components {
        html.push_str("<h2>Hidden units</h2>\n");
        push_figure(
            &mut html,
            svg,
            "The weights of each hidden unit drawn as an image, dark where the unit responds to ink (each image \
             scaled to its own range).",
        );
    }
    if let Some(svg) = figures.confusion {
        html.push_str("<h2>Confusion matrix</h2>\n");
        push_figure(
            &mut html,
            svg,
            "Rows: true class; columns: predicted class; each cell's count, coloured by its share of the row.",
        );
    }
    if !input.parameters.is_empty() {
        html.push_str("<h2>Parameters</h2>\n");
        push_table(&mut html, "parameters", &input.parameters);
    }
    let _ = write!(
        html,
        "<footer>Written by neurona {}. The plots are also beside this page as SVG and PNG files.</footer>\n</body>\n</html>\n",
        env!("CARGO_PKG_VERSION")
    );
    html
}

const STYLE: &str =
    "body { font-family: sans-serif; color: #222; max-width: 52rem; margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.5rem; }
h2 { font-size: 1.15rem; margin-top: 2rem; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; }
th, td { text-align: left; padding: 0.2rem 1rem 0.2rem 0; border-bottom: 1px solid #eee; vertical-align: top; }
th { font-weight: normal; color: #555; }
td { font-variant-numeric: tabular-nums; }
figure { margin: 1rem 0; }
figure svg { max-width: 100%; height: auto; }
figcaption, .note, footer { color: #555; font-size: 0.9rem; }
footer { margin-top: 3rem; }
";

fn push_table(html: &mut String, class: &str, rows: &[(String, String)]) {
    let _ = writeln!(html, "<table class=\"{class}\">");
    for (name, value) in rows {
        let _ = writeln!(html, "<tr><th>{}</th><td>{}</td></tr>", escape(name), escape(value));
    }
    html.push_str("</table>\n");
}

fn push_figure(html: &mut String, svg: &str, caption: &str) {
    // Inline SVG needs no namespace in HTML, and dropping it keeps the page free of any URL.
    let svg = svg.replacen(" xmlns=\"http://www.w3.org/2000/svg\"", "", 1);
    let _ = write!(html, "<figure>\n{}\n<figcaption>{caption}</figcaption>\n</figure>\n", svg.trim());
}

/// Text made safe to put between HTML tags or in a quoted attribute.
pub(super) fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            _ => escaped.push(c),
        }
    }
    escaped
}
