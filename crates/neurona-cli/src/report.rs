//! The training report: plots and a self-contained HTML page.
