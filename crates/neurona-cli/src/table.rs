//! Reading and writing tables (CSV, Parquet).
