"""Auditors' exports of a campaign's journal: CSV and beancount, streamed in constant memory.

`entries` turns leaf data into export rows (pure), `csv_format` and `beancount_format` write
them (pure), `reading` pages them out of the database, and `export` ties a request (a format,
dates, an audience) to the bytes, for the HTTP routes and `fundtrail export` alike.
"""
