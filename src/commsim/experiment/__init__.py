"""Parameter sweeps: experiment files, designs, where runs execute, and the dataset they fill.

spec (experiment files) -> designs (points) -> plan (runs, ids, seeds) -> runner (serial,
process pool, Dask) -> store (Parquet dataset, manifest, resume); sweep ties them together;
summary, sensitivity and figures read the dataset back. Built on the model core; the API and
CLI sit on top.
"""
