"""Monthly rectification reports: lists, summary tables, charts; XLSX, PDF and CSV."""
